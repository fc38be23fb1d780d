-- Apply one Stripe webhook event to a user's row, atomically, for the service role only.
--
-- The webhook handler re-reads the subscription from Stripe and passes the resulting row here,
-- stamped with the time the read began (`stripe_synced_at`). In one transaction this function:
--   1. records the event id; an id seen before returns 'duplicate' and changes nothing;
--   2. refuses a row read earlier than the one already stored ('stale'), so a slow handler
--      holding an older view of the subscription never overwrites a newer one;
--   3. keeps a live subscription when the event is about an older, finished one ('kept'), so
--      late news of a canceled subscription can't replace the one the user re-subscribed with;
--   4. otherwise upserts the row ('applied').
-- Any error rolls back all of it, the event id included, so Stripe's retry starts clean.

create function public.apply_stripe_subscription(
    event_id text,
    event_type text,
    event_created timestamptz,
    subscription jsonb
) returns text
language plpgsql
set search_path = ''
as $$
declare
    incoming public.user_subscriptions;
    existing public.user_subscriptions;
begin
    insert into public.stripe_webhook_events (id, type, created)
    values (event_id, event_type, event_created)
    on conflict (id) do nothing;
    if not found then
        return 'duplicate';
    end if;

    incoming := jsonb_populate_record(null::public.user_subscriptions, subscription);
    if incoming.user_id is null or incoming.stripe_synced_at is null then
        raise exception 'apply_stripe_subscription needs user_id and stripe_synced_at';
    end if;

    select * into existing
    from public.user_subscriptions
    where user_id = incoming.user_id
    for update;

    if found then
        if existing.stripe_synced_at is not null
           and existing.stripe_synced_at > incoming.stripe_synced_at then
            return 'stale';
        end if;
        if existing.stripe_subscription_id is not null
           and existing.stripe_subscription_id is distinct from incoming.stripe_subscription_id
           and existing.status not in ('canceled', 'incomplete_expired')
           and incoming.status in ('canceled', 'incomplete_expired') then
            return 'kept';
        end if;
    end if;

    insert into public.user_subscriptions (
        user_id, stripe_customer_id, stripe_subscription_id, status, price_id, plan_label,
        unit_amount, currency, billing_interval, current_period_end, cancel_at_period_end,
        cancel_at, canceled_at, stripe_synced_at
    ) values (
        incoming.user_id, incoming.stripe_customer_id, incoming.stripe_subscription_id,
        incoming.status, incoming.price_id, incoming.plan_label, incoming.unit_amount,
        incoming.currency, incoming.billing_interval, incoming.current_period_end,
        coalesce(incoming.cancel_at_period_end, false), incoming.cancel_at, incoming.canceled_at,
        incoming.stripe_synced_at
    )
    on conflict (user_id) do update set
        stripe_customer_id = excluded.stripe_customer_id,
        stripe_subscription_id = excluded.stripe_subscription_id,
        status = excluded.status,
        price_id = excluded.price_id,
        plan_label = excluded.plan_label,
        unit_amount = excluded.unit_amount,
        currency = excluded.currency,
        billing_interval = excluded.billing_interval,
        current_period_end = excluded.current_period_end,
        cancel_at_period_end = excluded.cancel_at_period_end,
        cancel_at = excluded.cancel_at,
        canceled_at = excluded.canceled_at,
        stripe_synced_at = excluded.stripe_synced_at;
    return 'applied';
end;
$$;

revoke execute on function public.apply_stripe_subscription(text, text, timestamptz, jsonb)
    from public, anon, authenticated;
grant execute on function public.apply_stripe_subscription(text, text, timestamptz, jsonb)
    to service_role;
