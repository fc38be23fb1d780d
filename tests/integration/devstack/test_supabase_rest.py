"""The REST stand-in answers supabase-py the way PostgREST does, with RLS deciding every row."""

from __future__ import annotations

import httpx
import jwt
import pytest
from postgrest.exceptions import APIError

from devstack.config import StackConfig


def test_user_reads_their_own_row(make_user):
    user = make_user(with_row=True)
    rows = user.client.table("user_subscriptions").select("*").execute().data
    assert [r["user_id"] for r in rows] == [user.id]


def test_user_b_cannot_read_user_a_row(make_user):
    a = make_user(with_row=True)
    b = make_user(with_row=True)
    seen = b.client.table("user_subscriptions").select("*").eq("user_id", a.id).execute().data
    assert seen == []
    assert b.client.table("user_subscriptions").select("user_id").maybe_single().execute().data[
        "user_id"] == b.id


def test_user_b_cannot_update_user_a_row(make_user, admin):
    a = make_user(with_row=True, status="active")
    b = make_user()
    with pytest.raises(APIError) as caught:
        b.client.table("user_subscriptions").update({"status": "canceled"}).eq(
            "user_id", a.id).execute()
    assert caught.value.code == "42501"
    row = admin.table("user_subscriptions").select("status").eq("user_id", a.id).single().execute()
    assert row.data["status"] == "active"


def test_user_cannot_write_their_own_row(make_user):
    user = make_user(with_row=True)
    for attempt in (
        lambda t: t.update({"status": "active", "stripe_customer_id": "cus_mine"}).eq("user_id", user.id),
        lambda t: t.delete().eq("user_id", user.id),
        lambda t: t.insert({"user_id": user.id, "stripe_customer_id": "cus_new"}),
    ):
        with pytest.raises(APIError) as caught:
            attempt(user.client.table("user_subscriptions")).execute()
        assert caught.value.code == "42501"


def test_anon_sees_nothing(make_user, anon_client):
    make_user(with_row=True)
    with pytest.raises(APIError) as caught:
        anon_client().table("user_subscriptions").select("*").execute()
    assert caught.value.code == "42501"


def test_service_role_writes_and_upserts(make_user, admin):
    user = make_user()
    row = {"user_id": user.id, "stripe_customer_id": f"cus_{user.id[:8]}", "status": "trialing"}
    admin.table("user_subscriptions").upsert(row).execute()
    admin.table("user_subscriptions").upsert({**row, "status": "active"},
                                             on_conflict="user_id").execute()
    got = user.client.table("user_subscriptions").select("status").maybe_single().execute()
    assert got.data == {"status": "active"}


def test_maybe_single_is_none_without_a_row(make_user):
    user = make_user()
    assert user.client.table("user_subscriptions").select("*").maybe_single().execute() is None


def test_single_object_with_no_rows_is_406_pgrst116(stack: StackConfig, make_user):
    user = make_user()
    response = httpx.get(
        f"{stack.supabase_url}/rest/v1/user_subscriptions?select=*",
        headers={
            "apikey": stack.api_key("anon"),
            "Authorization": f"Bearer {user.access_token}",
            "Accept": "application/vnd.pgrst.object+json",
        },
    )
    assert response.status_code == 406
    assert response.json()["code"] == "PGRST116"


def test_forged_jwt_gets_401_from_rest(stack: StackConfig, make_user):
    user = make_user(with_row=True)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "x" * 40, algorithm="HS256")
    response = httpx.get(
        f"{stack.supabase_url}/rest/v1/user_subscriptions",
        headers={"apikey": stack.api_key("anon"), "Authorization": f"Bearer {forged}"},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "PGRST301"


def test_filters_are_values_never_sql(make_user):
    user = make_user(with_row=True)
    hostile = "x' or '1'='1"
    got = user.client.table("user_subscriptions").select("*").eq("stripe_customer_id", hostile)
    assert got.execute().data == []
    with pytest.raises(APIError):
        user.client.table("user_subscriptions").select("*").eq('user_id"; drop table x; --', "1").execute()


def test_in_filter_and_unknown_table(stack: StackConfig, make_user, admin):
    a, b = make_user(with_row=True), make_user(with_row=True)
    rows = admin.table("user_subscriptions").select("user_id").in_("user_id", [a.id, b.id]).execute()
    assert {r["user_id"] for r in rows.data} == {a.id, b.id}
    with pytest.raises(APIError) as caught:
        admin.table("no_such_table").select("*").execute()
    assert caught.value.code == "PGRST205"
