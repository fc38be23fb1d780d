-- Each user's Stripe subscription, kept true to Stripe by the webhook handler.
--
-- Users read only their own row, under row-level security, with their own JWT. Nobody writes
-- through the API except the service role (the webhook handler), which bypasses RLS.

create table public.user_subscriptions (
    user_id uuid primary key references auth.users (id) on delete cascade,
    stripe_customer_id text unique,
    stripe_subscription_id text unique,
    -- One of Stripe's subscription statuses.
    status text check (
        status in (
            'incomplete', 'incomplete_expired', 'trialing', 'active',
            'past_due', 'canceled', 'unpaid', 'paused'
        )
    ),
    price_id text,
    -- What the billing page shows, e.g. "Pro (monthly)".
    plan_label text,
    -- The price as Stripe bills it, so the page can show it without asking Stripe.
    unit_amount bigint,
    currency text,
    billing_interval text,
    current_period_end timestamptz,
    cancel_at_period_end boolean not null default false,
    cancel_at timestamptz,
    canceled_at timestamptz,
    -- When Stripe's view of this subscription was last taken (the event or object time). The
    -- webhook handler never replaces a row with an older view.
    stripe_synced_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

alter table public.user_subscriptions enable row level security;

create policy "Users can read their own subscription"
    on public.user_subscriptions
    for select
    to authenticated
    using ((select auth.uid()) = user_id);

-- No insert, update or delete policy: RLS refuses those for every API role but the service role.
-- Supabase grants all on new public tables by default; take the write grants back as well, and
-- everything from anon, so a policy added by mistake later still cannot open writes.
revoke all on public.user_subscriptions from anon;
revoke insert, update, delete, truncate on public.user_subscriptions from authenticated;
grant select on public.user_subscriptions to authenticated;
grant select, insert, update, delete on public.user_subscriptions to service_role;

create function public.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

revoke execute on function public.touch_updated_at() from public, anon, authenticated;

create trigger user_subscriptions_touch_updated_at
    before update on public.user_subscriptions
    for each row execute function public.touch_updated_at();

-- Stripe events already applied, so a redelivered event changes nothing. Only the service role
-- touches it.
create table public.stripe_webhook_events (
    id text primary key,
    type text not null,
    created timestamptz not null,
    processed_at timestamptz not null default now()
);

alter table public.stripe_webhook_events enable row level security;
revoke all on public.stripe_webhook_events from anon, authenticated;
grant select, insert, update, delete on public.stripe_webhook_events to service_role;
