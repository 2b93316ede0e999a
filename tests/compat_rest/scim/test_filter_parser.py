"""The filter parser on its own: the AST it builds for each form of the grammar, and the
limits that keep a filter cheap. (Evaluation is tested against both databases in
test_filters.py.)"""

import datetime as dt

import pytest

from compat_rest.scim.filter import FilterError, parse_filter, parse_path
from compat_rest.scim.schemas import GROUPS, USERS
from resolvers.filters import And, Attr, Compare, HasValue, Not, Or, Present

USER_NAME = Attr("userName")
TITLE = Attr("title")


def test_precedence_is_not_then_and_then_or():
    parsed = parse_filter('userName eq "a" or title pr and not (title eq "b")', USERS)
    assert parsed == Or((Compare(USER_NAME, "eq", "a"),
                         And((Present(TITLE), Not(Compare(TITLE, "eq", "b"))))))
    grouped = parse_filter('(userName eq "a" or title pr) and title eq "b"', USERS)
    assert isinstance(grouped, And) and isinstance(grouped.terms[0], Or)


def test_names_resolve_in_any_case_and_with_urns():
    assert parse_filter('USERNAME EQ "x"', USERS) == Compare(USER_NAME, "eq", "x")
    assert parse_filter('urn:ietf:params:scim:schemas:core:2.0:User:name.GIVENNAME sw "a"',
                        USERS) == Compare(Attr("name", sub="givenName"), "sw", "a")
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert parse_filter(f'{enterprise}:manager.value eq "m"', USERS) == Compare(
        Attr("manager", sub="value", extension=enterprise), "eq", "m")
    assert parse_filter('externalId eq "X"', USERS) == Compare(
        Attr("externalId", case_exact=True), "eq", "X")


def test_multi_valued_attributes_are_tested_value_by_value():
    value = Attr("value")
    assert parse_filter('emails co "@x"', USERS) == HasValue(
        Attr("emails", type="complex"), Compare(value, "co", "@x"))
    assert parse_filter('emails[type eq "work" and not (value ew ".org")]', USERS) == HasValue(
        Attr("emails", type="complex"),
        And((Compare(Attr("type"), "eq", "work"), Not(Compare(value, "ew", ".org")))))
    assert parse_filter("members.value pr", GROUPS) == HasValue(
        Attr("members", type="complex"), Present(Attr("value", case_exact=True)))


def test_present_on_a_complex_attribute_means_any_sub_attribute_has_a_value():
    # RFC 7644 §3.4.2.2: `pr` matches "a non-empty node for complex attributes".
    parsed = parse_filter("NAME pr", USERS)
    assert isinstance(parsed, Or) and Present(Attr("name", sub="givenName")) in parsed.terms
    assert {term.attr.sub for term in parsed.terms} == {
        "formatted", "familyName", "givenName", "middleName", "honorificPrefix",
        "honorificSuffix"}
    assert parse_filter("name.givenName pr", USERS) == Present(Attr("name", sub="givenName"))


def test_literals():
    created = Attr("meta", sub="created", type="dateTime")
    assert parse_filter('meta.created ge "2024-05-01T12:00:00Z"', USERS) == Compare(
        created, "ge", dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC))
    assert parse_filter("active eq TRUE", USERS) == Compare(Attr("active", type="boolean"),
                                                            "eq", True)
    assert parse_filter('title eq "quote \\" and \\u00e9"', USERS) == Compare(
        TITLE, "eq", 'quote " and é')
    assert parse_filter("title eq null", USERS) == Not(Present(TITLE))
    assert parse_filter("title ne null", USERS) == Present(TITLE)


@pytest.mark.parametrize("text", [
    "", "   ", 'userName', 'userName eq "a" extra', "(" * 11 + "title pr" + ")" * 11,
    "not (" * 11 + "title pr" + ")" * 11, 'userName eq "unterminated',
])
def test_malformed_or_too_costly_filters(text):
    with pytest.raises(FilterError) as raised:
        parse_filter(text, USERS)
    assert raised.value.status == 400 and raised.value.scim_type == "invalidFilter"


def test_nesting_within_the_limit_is_fine():
    assert parse_filter("(" * 10 + "title pr" + ")" * 10, USERS) == Present(TITLE)
    assert len(parse_filter(" or ".join(["title pr"] * 50), USERS).terms) == 50


def test_patch_paths():
    path = parse_path('emails[type eq "work"].value', USERS)
    assert path.target.attr.name == "emails" and path.sub.name == "value"
    assert path.where == Compare(Attr("type"), "eq", "work")
    bare = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", USERS)
    assert bare.target.attr is None and bare.target.urn.endswith("enterprise:2.0:User")
    for bad in ("nope", 'emails[type eq "work"].nope', 'title[value eq "x"]',
                'emails[type eq "x"'):
        with pytest.raises(FilterError) as raised:
            parse_path(bad, USERS)
        assert raised.value.scim_type == "invalidPath"
