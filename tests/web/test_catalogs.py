"""Every visible string of the web pages is translated into pt-BR and es.

The msgids are extracted from the templates and the web package's Python with
Babel's own extractors (the keywords `_`, `gettext`, `ngettext` and the marker
`N_`), then looked up in the merged catalog of each language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import retaguarda.web
from retaguarda.web import i18n

WEB = Path(retaguarda.web.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> dict[str, list[str]]:
    """msgid -> where it is used."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        WEB,
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        # A plural (ngettext) is one catalog entry, keyed by its singular.
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def catalog_entries(language: str) -> dict[str, str | tuple[str, ...]]:
    entries: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((i18n.LOCALE_DIR / i18n.LANGUAGES[language]).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and not message.fuzzy:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    entries[key] = message.string
    return entries


def test_the_extractor_sees_the_pages() -> None:
    messages = extracted()
    assert "Sign in" in messages
    assert "My work" in messages  # marked with N_ in Python
    assert len(messages) > 20


@pytest.mark.parametrize("language", ["pt-BR", "es"])
def test_every_msgid_has_a_translation(language: str) -> None:
    entries = catalog_entries(language)
    missing = {
        msgid: where[0]
        for msgid, where in extracted().items()
        if not entries.get(msgid) or not all(entries[msgid])
    }
    assert not missing, f"{len(missing)} strings without a {language} translation: {missing}"


@pytest.mark.parametrize("language", ["pt-BR", "es"])
def test_translations_keep_the_placeholders(language: str) -> None:
    for msgid, translated in catalog_entries(language).items():
        forms = translated if isinstance(translated, tuple) else (translated,)
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(msgid)) | {"num"}, (
                msgid,
                form,
            )


@pytest.mark.parametrize("language", ["pt-BR", "es"])
def test_the_merged_catalog_translates(language: str) -> None:
    translated = i18n.translations(language).gettext("Sign in")
    assert translated == {"pt-BR": "Entrar", "es": "Iniciar sesión"}[language]


@pytest.mark.parametrize("language", ["pt-BR", "es"])
def test_each_msgid_is_translated_in_one_file_only(language: str) -> None:
    """Shared words live in common.po: two files could translate one msgid two ways,
    and which one wins would depend on the merge order."""
    where: dict[str, list[str]] = {}
    for path in sorted((i18n.LOCALE_DIR / i18n.LANGUAGES[language]).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    where.setdefault(key, []).append(path.name)
    assert {msgid: files for msgid, files in where.items() if len(files) > 1} == {}


@pytest.mark.parametrize("language", ["pt-BR", "es"])
def test_no_translation_is_left_over(language: str) -> None:
    """A msgid no page uses any more is dead weight that translators would keep up."""
    used = extracted()
    assert [msgid for msgid in catalog_entries(language) if msgid not in used] == []
