"""core.access: identity from claims, e-mails compared after NFKC and case folding, and the
permissions of every principal (a table, as the issue states them)."""
from __future__ import annotations

import pytest

from core.access import (ADMIN, INSPECTOR, NATIONAL, REGIONAL, Principal, check_email, normalise_email, principal_for,
                         verified_email)
from core.errors import InputError
from core.store.scope import Scope

MINE, OTHER = "Wales", "South West"


@pytest.mark.parametrize("claims, expected", [
    ({"email": "Lead@Example.org", "email_verified": True}, "lead@example.org"),
    ({"email": "lead@example.org", "email_verified": "true"}, "lead@example.org"),
    ({"email": "lead@example.org", "email_verified": False}, None),
    ({"email": "lead@example.org"}, None),  # not marked verified: no identity
    ({"name": "lead@example.org", "email_verified": True}, None),  # a display name never stands in
    ({"email": "", "email_verified": True}, None),
    ({"email": "ｌｅａｄ@ｅｘａｍｐｌｅ.ｏｒｇ", "email_verified": True}, "lead@example.org"),  # full-width forms
])
def test_identity_is_the_verified_email_only(claims, expected):
    assert verified_email(claims) == expected


def test_claim_names_are_configurable():
    claims = {"upn": "A@B.org", "xms_edov": True, "email": "other@b.org", "email_verified": True}
    assert verified_email(claims, "upn", "xms_edov") == "a@b.org"
    assert verified_email({**claims, "xms_edov": False}, "upn", "xms_edov") is None


def test_emails_compare_after_nfkc_and_case_folding():
    assert normalise_email(" STRASSE@Example.org ") == normalise_email("strasse@example.org")
    assert normalise_email("Maß@example.org") == "mass@example.org"  # casefold, not lower
    assert check_email("Ｋim@Example.ORG") == "kim@example.org"
    for bad in ("kim", "kim@", "@example.org", "a b@example.org", "a@b@c"):
        with pytest.raises(InputError):
            check_email(bad)


# role: (reads MINE, reads OTHER, uploads MINE, uploads OTHER, withdraws own in MINE, withdraws others' in MINE,
#        saves scenarios, manages people, loads published)
TABLE = {
    NATIONAL: (True, True, False, False, False, False, False, False, False),
    REGIONAL: (True, False, False, False, False, False, True, False, False),
    INSPECTOR: (True, False, True, False, True, False, False, False, False),
    ADMIN: (True, True, False, False, True, True, True, True, True),
}


@pytest.mark.parametrize("role", list(TABLE))
def test_the_permissions_of_each_role(role):
    p = Principal.of_person("me@example.org", role, [MINE])
    got = (p.may_read(MINE), p.may_read(OTHER), p.may_upload(MINE), p.may_upload(OTHER),
           p.may_withdraw("ME@example.org", MINE), p.may_withdraw("you@example.org", MINE),
           p.may_save_scenarios, p.may_manage_people, p.may_load_published)
    assert got == TABLE[role]


def test_the_operator_and_open_local_mode_may_do_everything_and_nobody_nothing():
    for p in (Principal.operator("ops"), Principal.open_local()):
        assert p.unrestricted and p.may_read(OTHER) and p.may_upload(OTHER) and p.may_withdraw("x", OTHER)
        assert Scope.for_principal(p).regions is None
    nobody = Principal.nobody("stranger@example.org")
    assert not nobody.has_access and not nobody.may_read(MINE) and not nobody.may_upload(MINE)
    assert Scope.for_principal(nobody).regions == frozenset()  # reads nothing at all


def test_principal_for_a_request():
    assert principal_for(None, None) == Principal.nobody()
    assert not principal_for("x@example.org", None).has_access
    assert Scope.for_principal(principal_for("X@example.org", (REGIONAL, [MINE]))).regions == frozenset({MINE})
    first = principal_for("Boss@Example.org", None, admins=["boss@example.org"])
    assert first.role == ADMIN and first.who == "boss@example.org"


def test_national_and_admin_read_every_region_whatever_regions_are_stored():
    assert Principal.of_person("a@b.org", NATIONAL, [MINE]).regions is None
    with pytest.raises(InputError, match="unknown role"):
        Principal.of_person("a@b.org", "boss")
