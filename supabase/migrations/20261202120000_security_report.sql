-- What `make doctor` needs to see of the schema, for the service role only.
--
-- `security_report(table_names, function_names)` reports, for each table named, whether it
-- exists, whether row-level security is enabled (and forced), and its policies; and for each
-- function named, whether it exists and which API roles may execute it. It runs as its owner
-- (security definer) and reads only the catalogues: it changes nothing, and shows no row.
-- Only the service role may execute it, so the project's keys for browsers can't map the schema.

create function public.security_report(table_names text[], function_names text[])
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'tables', coalesce((
            select jsonb_agg(jsonb_build_object(
                'name', wanted.name,
                'exists', c.oid is not null,
                'rls_enabled', coalesce(c.relrowsecurity, false),
                'rls_forced', coalesce(c.relforcerowsecurity, false),
                'policies', coalesce((
                    select jsonb_agg(jsonb_build_object(
                        'name', p.policyname,
                        'command', p.cmd,
                        'roles', to_jsonb(p.roles::text[]),
                        'permissive', p.permissive = 'PERMISSIVE',
                        'using', p.qual,
                        'with_check', p.with_check
                    ) order by p.policyname)
                    from pg_catalog.pg_policies as p
                    where p.schemaname = 'public' and p.tablename = wanted.name
                ), '[]'::jsonb)
            ) order by wanted.position)
            from unnest(table_names) with ordinality as wanted(name, position)
            left join pg_catalog.pg_class as c
                on c.relname = wanted.name
                and c.relnamespace = 'public'::regnamespace
                and c.relkind in ('r', 'p')
        ), '[]'::jsonb),
        'functions', coalesce((
            select jsonb_agg(jsonb_build_object(
                'name', wanted.name,
                'exists', exists (
                    select 1 from pg_catalog.pg_proc as f
                    where f.proname = wanted.name and f.pronamespace = 'public'::regnamespace
                ),
                'executable_by', coalesce((
                    select jsonb_agg(distinct api_role.name order by api_role.name)
                    from pg_catalog.pg_proc as f
                    cross join unnest(array['anon', 'authenticated', 'service_role'])
                        as api_role(name)
                    where f.proname = wanted.name
                      and f.pronamespace = 'public'::regnamespace
                      and pg_catalog.has_function_privilege(api_role.name, f.oid, 'execute')
                ), '[]'::jsonb)
            ) order by wanted.position)
            from unnest(function_names) with ordinality as wanted(name, position)
        ), '[]'::jsonb)
    );
$$;

revoke execute on function public.security_report(text[], text[])
    from public, anon, authenticated;
grant execute on function public.security_report(text[], text[]) to service_role;
