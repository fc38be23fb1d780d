-- A minimal Supabase-compatible base for the local PostgreSQL cluster.
--
-- It gives the project's migrations what a real Supabase project already has: the API roles,
-- the `auth` schema with `auth.users`, the helpers `auth.uid()`, `auth.role()` and `auth.jwt()`,
-- and Supabase's default grants on `public`. Applied once, right after initdb, as the superuser.
-- It also holds the tables the Auth stand-in keeps its sessions and refresh tokens in.

-- Roles, as on Supabase: PostgREST logs in as `authenticator` and switches to the JWT's role.
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;  -- its password is set by devstack, per stack
grant anon, authenticated, service_role to authenticator;

-- Extensions live in their own schema, as on Supabase, so they don't show up in the API.
create schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create extension pgcrypto with schema extensions;

create schema auth;
grant usage on schema auth to anon, authenticated, service_role;

create table auth.users (
    instance_id uuid,
    id uuid primary key default gen_random_uuid(),
    aud varchar(255) not null default 'authenticated',
    role varchar(255) not null default 'authenticated',
    email varchar(255) unique,
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb not null default '{"provider": "email", "providers": ["email"]}',
    raw_user_meta_data jsonb not null default '{}',
    is_anonymous boolean not null default false,
    banned_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table auth.sessions (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references auth.users (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    refreshed_at timestamptz
);

create table auth.refresh_tokens (
    id bigserial primary key,
    token varchar(255) not null unique,
    user_id uuid not null references auth.users (id) on delete cascade,
    session_id uuid not null references auth.sessions (id) on delete cascade,
    parent varchar(255),
    revoked boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index refresh_tokens_session_id_idx on auth.refresh_tokens (session_id);

-- The JWT helpers read the claims PostgREST sets for each request. nullif(): an unset setting
-- reads as '' once it has been set in the session, which must mean "no claims", not an error.
create function auth.jwt() returns jsonb
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

create function auth.uid() returns uuid
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;

create function auth.role() returns text
language sql stable
as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;

-- Supabase's default privileges: the API roles may use `public`, and new tables and functions
-- there are granted to them; row-level security is what narrows access.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;

-- Where the Supabase CLI records applied migrations.
create schema supabase_migrations;
create table supabase_migrations.schema_migrations (
    version text primary key,
    name text,
    statements text[]
);
