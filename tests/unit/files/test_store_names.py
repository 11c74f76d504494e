"""Object names for user-supplied file names: one readable path segment, never a traversal."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.files.store import (
    EXTRACTION_NAME,
    bot_file_name,
    extraction_name,
    file_object_name,
    metadata_value,
    parse_gcs_uri,
    safe_name,
    thread_prefix,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sales.csv", "sales.csv"),
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("a/../b.txt", "a_._b.txt"),
        ("report..final...pdf", "report.final.pdf"),
        ("  spaced   out .md ", "spaced out .md"),
        (".bashrc", "bashrc"),
        (".extraction.json", "extraction.json"),
        ("", "file"),
        ("../", "file"),
        ("tab\there\nnewline.txt", "tab_here_newline.txt"),
        ("what?*[x]#1.log", "what___x__1.log"),
        ("Ünïcödé résumé 📈.pdf", "Ünïcödé résumé 📈.pdf"),
        ("日本語のファイル.txt", "日本語のファイル.txt"),
    ],
)
def test_names_are_cleaned_but_stay_readable(name, expected):
    assert safe_name(name) == expected


def test_unicode_is_normalised_to_composed_form():
    decomposed = "Re\u0301sume\u0301.pdf"
    assert safe_name(decomposed) == "Résumé.pdf"
    assert safe_name(decomposed) == safe_name(unicodedata.normalize("NFC", decomposed))


def test_long_names_are_cut_by_bytes_and_keep_their_extension():
    name = safe_name("é" * 500 + ".csv")
    assert name.endswith(".csv")
    assert len(name.encode()) <= 200
    name.encode().decode()  # never cut inside a character


def test_a_long_name_without_a_usable_extension_is_simply_cut():
    assert len(safe_name("x" * 500).encode()) == 200
    assert len(safe_name("x" * 300 + "." + "y" * 40).encode()) <= 200


@given(st.text(max_size=400))
def test_any_name_becomes_one_safe_segment(name):
    cleaned = safe_name(name)
    assert cleaned
    assert "/" not in cleaned and "\\" not in cleaned
    assert ".." not in cleaned
    assert not cleaned.startswith(".")
    assert len(cleaned.encode()) <= 200
    assert all(not unicodedata.category(ch).startswith("C") for ch in cleaned)


def test_objects_live_under_their_thread_and_file():
    prefix = thread_prefix(team_id="T1", channel="C1", thread_ts="1712.0001")
    assert prefix == "T1/C1/1712.0001/"
    assert file_object_name(prefix, "F1", "../x.csv") == "T1/C1/1712.0001/F1/x.csv"
    assert extraction_name(prefix, "F1") == f"T1/C1/1712.0001/F1/{EXTRACTION_NAME}"
    assert bot_file_name(prefix, "Ev1", "answer.csv") == "T1/C1/1712.0001/bot/Ev1/answer.csv"


def test_a_user_file_can_never_take_the_extractions_name():
    prefix = thread_prefix(team_id="T1", channel="C1", thread_ts="1.2")
    assert file_object_name(prefix, "F1", EXTRACTION_NAME) != extraction_name(prefix, "F1")


def test_ids_that_are_not_slack_ids_cannot_escape_the_thread_folder():
    prefix = thread_prefix(team_id="..", channel="C1/../../x", thread_ts="1.2")
    assert ".." not in prefix.split("/")
    assert prefix.count("/") == 3


def test_gcs_uris_parse_into_bucket_and_name():
    assert parse_gcs_uri("gs://bucket/a/b.json") == ("bucket", "a/b.json")
    for bad in ("https://x/y", "gs://bucket", "gs:///x", "gs://bucket/"):
        with pytest.raises(ValueError):
            parse_gcs_uri(bad)


@given(st.text(max_size=300))
def test_metadata_values_are_ascii_and_decode_back(text):
    value = metadata_value(text)
    assert value.isascii()
    assert unquote(value) == text


def test_ascii_metadata_stays_readable():
    assert metadata_value("../sales report (v2).csv") == "../sales report (v2).csv"
