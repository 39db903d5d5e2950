"""Email domains: worked examples and properties, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpact.accounts.domains import InvalidDomain, normalize_domain, parse_domains


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme.EXAMPLE", "acme.example"),
        ("@acme.example", "acme.example"),
        ("  @Acme.Example.  ", "acme.example"),
        ("acme.example.", "acme.example"),
        ("mail.eu.acme.example", "mail.eu.acme.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.Example", "xn--bcher-kva.example"),
        ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
        ("日本.example", "xn--wgv71a.example"),
        ("münchen.xn--p1ai", "xn--mnchen-3ya.xn--p1ai"),
        ("xn--strae-oqa.de", "xn--strae-oqa.de"),
        ("a-b.example", "a-b.example"),
    ],
)
def test_normalize_domain_lowers_strips_and_encodes(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "no_underscore.com",
        "-bad.com",
        "bad-.com",
        "localhost",
        "a..b.com",
        ".acme.example",
        "acme.example..",
        "acme.123",
        "1.2.3.4",
        "ann@acme.example",
        "ac me.example",
        f"{'a' * 64}.example",
        f"{'abcdefghi.' * 26}example",
    ],
)
def test_normalize_domain_refuses_malformed_names(raw: str) -> None:
    with pytest.raises(InvalidDomain, match="not a valid domain name"):
        normalize_domain(raw)


@pytest.mark.parametrize("raw", ["", "   ", "@", ".", "@."])
def test_normalize_domain_refuses_an_empty_domain(raw: str) -> None:
    with pytest.raises(InvalidDomain, match="cannot be empty"):
        normalize_domain(raw)


@pytest.mark.parametrize("raw", ["straße.de", "ﬀ.example", "x\u200d.example"])
def test_normalize_domain_refuses_what_idna_2003_would_map_to_another_domain(raw: str) -> None:
    # IDNA 2003 turns straße.de into strasse.de, which IDNA 2008 keeps as a different domain.
    with pytest.raises(InvalidDomain, match="xn-- form"):
        normalize_domain(raw)


def test_parse_domains_splits_text_on_commas_semicolons_and_spaces() -> None:
    text = "Acme.example, @globex.example;initech.example\n bücher.example"
    assert parse_domains(text) == [
        "acme.example",
        "globex.example",
        "initech.example",
        "xn--bcher-kva.example",
    ]


def test_parse_domains_drops_duplicates_and_blanks_keeping_first_order() -> None:
    assert parse_domains(["b.example", "", "  ", "A.example", "@B.EXAMPLE"]) == [
        "b.example",
        "a.example",
    ]


def test_parse_domains_of_nothing_is_no_domain() -> None:
    assert parse_domains("") == []
    assert parse_domains([]) == []


def test_parse_domains_refuses_the_whole_list_for_one_bad_domain() -> None:
    with pytest.raises(InvalidDomain, match="no_underscore"):
        parse_domains("acme.example, no_underscore.com")


_domain_like = st.text(
    alphabet=st.sampled_from("abcXYZ019-._@ äÜßéñ日本\u200d"), min_size=0, max_size=30
)


@given(st.one_of(_domain_like, st.text(max_size=30)))
def test_normalizing_twice_equals_normalizing_once(raw: str) -> None:
    try:
        once = normalize_domain(raw)
    except InvalidDomain:
        return
    assert normalize_domain(once) == once
    assert once == once.lower() and once.isascii()


@given(
    st.lists(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True), min_size=1, max_size=4),
    st.sampled_from(["com", "example", "de"]),
)
def test_every_well_formed_ascii_domain_survives_upper_case_and_at_sign(
    labels: list[str], tld: str
) -> None:
    domain = ".".join([*labels, tld])
    assert normalize_domain(f"@{domain.upper()}.") == domain
