"""The Zawgyi guard: genuine Unicode Burmese is never converted, real Zawgyi still is, and
the conversion's cost is bounded (shared MYANMAR.md, "Zawgyi: measured limits of the guard").

The corpus is every phrase of 2 to 6 consecutive syllables (by the project's tokenizer) of
real Unicode Burmese: the sample draft, the Burmese translation catalogue, CLDR's Burmese
names of languages, countries, scripts, currencies, months and days (through Babel), and the
sentences below. Before the guard checked Unicode's storage order, about one such phrase in
1,300 came back "converted" into wrong text (``နေရာအားလုံး၏`` stored as ``နရောအားလုံး၏``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import babel
import icu
import pytest
from babel.messages.pofile import read_po

from constitution import myanmar
from constitution.diffing.tokens import tokenize

ROOT = Path(__file__).resolve().parents[2] / "constitution"
SAMPLE = ROOT / "sample_data" / "draft.json"
CATALOGUE = ROOT / "translations" / "my" / "LC_MESSAGES" / "messages.po"
SYLLABLE = re.compile("[\u1000-\u109f]")

# Burmese written for these tests: provisions, names of places, peoples and members, the
# kind of sentences members write in comments.
MORE_BURMESE = (
    "နိုင်ငံသားတိုင်းသည် ဥပဒေရှေ့မှောက်တွင် တန်းတူ အခွင့်အရေး ရှိသည်။",
    "အမျိုးသမီးများနှင့် အမျိုးသားများသည် အလုပ်အကိုင်၊ ပညာရေးနှင့် ကျန်းမာရေး ကိစ္စရပ်များတွင် တန်းတူ ခံစားခွင့် ရှိစေရမည်။",
    "လွှတ်တော်ကိုယ်စားလှယ်များကို လွတ်လပ်၍ တရားမျှတသော ရွေးကောက်ပွဲဖြင့် လျှို့ဝှက်မဲပေး၍ ရွေးချယ်ရမည်။",
    "ပြည်နယ်တစ်ခုစီသည် မိမိ၏ ကိုယ်ပိုင်လွှတ်တော်နှင့် ကိုယ်ပိုင်အစိုးရကို ဖွဲ့စည်းပိုင်ခွင့် ရှိသည်။",
    "တရားစီရင်ရေးသည် ဥပဒေပြုရေးနှင့် အုပ်ချုပ်ရေးမှ သီးခြား လွတ်လပ်ရမည်။",
    "မည်သူမျှ တရားရုံး၏ အမိန့်မရှိဘဲ ဖမ်းဆီးခြင်း၊ ထိန်းသိမ်းခြင်း မပြုရ။",
    "ကျွန်ုပ်တို့ ပြည်သူများသည် ဤဖွဲ့စည်းပုံအခြေခံဥပဒေကို ကိုယ်တိုင် ရေးဆွဲ၍ အတည်ပြုကြသည်။",
    "ဘာသာရေး လွတ်လပ်ခွင့်နှင့် ယုံကြည်ကိုးကွယ်ခွင့်ကို အာမခံသည်။",
    "တိုင်းရင်းသား ဘာသာစကားများကို စာသင်ကျောင်းများတွင် သင်ကြားခွင့် ပြုရမည်။",
    "ပြင်ဆင်ချက်တစ်ရပ်ကို လွှတ်တော်ကိုယ်စားလှယ် ငါးဦးထက် မနည်း ထောက်ခံရမည်။",
    "ကော်မတီသည် အဆိုပြုချက်ကို စိစစ်ပြီးနောက် ရက်ပေါင်း သုံးဆယ်အတွင်း အစီရင်ခံစာ တင်သွင်းရမည်။",
    "သဘာဝ သယံဇာတများမှ ရရှိသော ဝင်ငွေကို ဒေသခံ ပြည်သူများနှင့် မျှတစွာ ခွဲဝေရမည်။",
    "စစ်တပ်သည် အရပ်သားအစိုးရ၏ ကွပ်ကဲမှုအောက်တွင် ရှိရမည်။",
    "သတင်းစာ လွတ်လပ်ခွင့်နှင့် ထုတ်ဖော်ပြောဆိုခွင့်ကို ဥပဒေဖြင့် ကန့်သတ်ခြင်း မပြုရ။",
    "ကလေးသူငယ်တိုင်းသည် အခမဲ့ မူလတန်းပညာ သင်ကြားခွင့် ရှိသည်။",
    "ဥက္ကဋ္ဌသည် အစည်းအဝေးကို ဦးဆောင်ကျင်းပပြီး မဲအရေအတွက် တူညီပါက ဆုံးဖြတ်မဲ ပေးရမည်။",
    "ဤပုဒ်မပါ ပြဋ္ဌာန်းချက်များကို အရေးပေါ်အခြေအနေတွင်ပင် ဆိုင်းငံ့ခြင်း မပြုရ။",
    "ကမ္ဘာ့ကုလသမဂ္ဂ၏ လူ့အခွင့်အရေး ကြေညာစာတမ်းပါ မူများကို လေးစားလိုက်နာရမည်။",
    "ဗုဒ္ဓဘာသာ၊ ခရစ်ယာန်ဘာသာ၊ အစ္စလာမ်ဘာသာ၊ ဟိန္ဒူဘာသာနှင့် အခြားဘာသာများကို တန်းတူ အသိအမှတ်ပြုသည်။",
    "မန္တလေး၊ ရန်ကုန်၊ နေပြည်တော်၊ မြစ်ကြီးနား၊ လားရှိုး၊ တောင်ကြီး၊ ဘားအံ၊ စစ်တွေ၊ ဟားခါး၊ လွိုင်ကော်၊ မော်လမြိုင်၊ ထားဝယ်။",
    "ကချင်၊ ကယား၊ ကရင်၊ ချင်း၊ မွန်၊ ရခိုင်၊ ရှမ်း၊ ဗမာ တိုင်းရင်းသားများ။",
    "ဒေါ်အေးအေးမြင့်၊ ဒေါ်ခင်ခင်ထွေး၊ ဒေါ်စုစုလှိုင်၊ ဒေါ်နန်းခင်ဌေးမြင့်၊ ဒေါ်မြမြသန်း၊ ဒေါ်သီတာဝင်း၊ ဒေါ်ဇော်ဇော်နွယ်။",
    "မှတ်ချက်ပေးရန်၊ ပြင်ဆင်ချက် တင်သွင်းရန်နှင့် မဲပေးရန် အကောင့်ဖြင့် ဝင်ရောက်ပါ။",
    "စကားဝှက်ကို အနည်းဆုံး စာလုံးဆယ်လုံး ထားရှိပါ။ သင့်ဖုန်းကို အခြားသူ ယူသွားပါက အတွင်းရေးမှူးထံ ချက်ချင်း အကြောင်းကြားပါ။",
    "သမ္မတသည် ပြည်ထောင်စု၏ အကြီးအကဲ ဖြစ်သည်။ သမ္မတ ။ ။ ။",
    "ပုဒ်မ ၁၂ နှင့် ပုဒ်မ ၄၅ (က)၊ (ခ)၊ (ဂ) တို့ကို ပြင်ဆင်ရန် အဆိုပြုသည်။",
    "အင်္ဂလိပ်ဘာသာ ပြန်ဆိုချက်နှင့် မြန်မာဘာသာ မူရင်းတို့ ကွဲလွဲပါက မြန်မာဘာသာ မူရင်းကို အတည်ယူရမည်။",
    "သင်္ချိုင်းများ၊ ဘုန်းကြီးကျောင်းများ၊ ဘုရားကျောင်းများနှင့် ဗလီများကို ကာကွယ်စောင့်ရှောက်ရမည်။",
    "စည်းကမ်းချက်များကို လိုက်နာရန် ပျက်ကွက်သော အဖွဲ့ဝင်ကို ကော်မတီက သတိပေးနိုင်သည်။",
    "ရေ၊ လျှပ်စစ်မီး၊ လမ်းပန်းဆက်သွယ်ရေးနှင့် ဆေးရုံဆေးခန်းများ ရရှိခွင့်သည် လူတိုင်း၏ အခွင့်အရေး ဖြစ်သည်။",
)


def _walk(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)
    elif hasattr(value, "values"):
        for item in value.values():
            yield from _walk(item)


@functools.cache
def burmese_texts() -> tuple[str, ...]:
    """Every real Unicode Burmese text at hand, whole."""
    draft = json.loads(SAMPLE.read_text(encoding="utf-8"))
    texts = [draft["title"]["my"]]
    for item in draft["provisions"]:
        texts += [item["label"], item["text"].get("my", "")]
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle):
            texts += [s for s in _walk(message.string) if s]
    locale = babel.Locale("my")
    for name in ("languages", "territories", "scripts", "currencies", "variants"):
        texts += _walk(getattr(locale, name))
    for name in ("months", "days", "quarters", "eras", "periods"):
        texts += _walk(getattr(locale, name))
    texts += MORE_BURMESE
    return tuple(t for t in dict.fromkeys(texts) if SYLLABLE.search(t))


@functools.cache
def phrases() -> tuple[str, ...]:
    """Every run of 2 to 6 consecutive syllables of those texts (with the spaces between)."""
    found: set[str] = set()
    for text in burmese_texts():
        for line in text.split("\n"):
            tokens = tokenize(line)
            for start, first in enumerate(tokens):
                if not SYLLABLE.match(first):
                    continue
                count = 0
                for end in range(start, len(tokens)):
                    token = tokens[end]
                    if SYLLABLE.match(token):
                        count += 1
                    elif not token.isspace():
                        break
                    if count > 6:
                        break
                    if count >= 2 and SYLLABLE.match(token):
                        found.add("".join(tokens[start : end + 1]))
    return tuple(sorted(found))


def test_no_real_burmese_is_converted() -> None:
    assert len(burmese_texts()) > 1_000
    assert len(phrases()) > 25_000
    altered = [p for p in phrases() if myanmar.clean(p) != myanmar.CleanText(myanmar.nfc(p), False)]
    assert altered == []
    for text in burmese_texts():
        assert myanmar.clean(text) == myanmar.CleanText(myanmar.nfc(text), False), text


def test_real_burmese_keeps_unicode_storage_order() -> None:
    faults = [p for p in phrases() if myanmar.unicode_violations(myanmar.nfc(p))]
    assert faults == []


LOOKS_LIKE_ZAWGYI = [
    "နေရာအားလုံး၏",  # E after its consonant, as Unicode stores it
    "သမ္မတ ။ ။ ။",  # a virama, which Zawgyi uses as its asat
    "ကြား၍",  # a medial ra, Zawgyi's medial wa
    "ဤစာတမ်း၏",  # an asat, Zawgyi's medial ya
    "သိက္ခာကို",
    "ကျွန်ုပ်တို့",
    "ဘာသာစကား",
]


def test_unicode_the_model_takes_for_zawgyi_is_left_alone() -> None:
    for text in LOOKS_LIKE_ZAWGYI:
        assert myanmar.clean(text) == myanmar.CleanText(text, False), text


# ---- real Zawgyi -------------------------------------------------------------------------

# Typed by hand in Zawgyi's visual order: vowel sign E and medial ra before the consonant,
# U+1039 for the asat, U+103A for medial ya, Zawgyi's stacked and variant forms.
HAND_ZAWGYI = [
    ("ေနရာ", "နေရာ"),
    ("ေအး", "အေး"),
    ("ေဒၚခင္ခင္ေထြး", "ဒေါ်ခင်ခင်ထွေး"),
    ("ျမန္မာ", "မြန်မာ"),
    ("သမၼတ", "သမ္မတ"),
    ("အမ်ိဳးသမီး", "အမျိုးသမီး"),
    ("ေနရာအားလံုး၏", "နေရာအားလုံး၏"),
    ("ဖြဲ႕စည္းပံုအေျခခံဥပေဒ", "ဖွဲ့စည်းပုံအခြေခံဥပဒေ"),
    ("လႊတ္ေတာ္ကိုယ္စားလွယ္", "လွှတ်တော်ကိုယ်စားလှယ်"),
    ("ျပည္ေထာင္စုသမၼတ ျမန္မာႏိုင္ငံေတာ္", "ပြည်ထောင်စုသမ္မတ မြန်မာနိုင်ငံတော်"),
]


def test_zawgyi_typed_by_hand_is_converted() -> None:
    for zawgyi, unicode in HAND_ZAWGYI:
        assert myanmar.clean(zawgyi) == myanmar.CleanText(unicode, True), zawgyi


@functools.cache
def _to_zawgyi() -> Any:
    return icu.Transliterator.createInstance("my-Zawgyi")


def test_the_corpus_in_zawgyi_is_converted_back() -> None:
    """ICU's ``my-Zawgyi`` writes the texts as Zawgyi: every sentence-long one is detected
    and converted to Unicode with fewer syllables out of order; most come back exactly (ICU's
    two transforms are not exact inverses)."""
    long_texts = [t for t in burmese_texts() if len(t) >= 40]
    exact = 0
    for text in long_texts:
        zawgyi = str(_to_zawgyi().transliterate(text))
        if zawgyi == text:
            continue
        cleaned = myanmar.clean(zawgyi)
        assert cleaned.converted_from_zawgyi, text
        assert myanmar.unicode_violations(cleaned.text) < myanmar.unicode_violations(zawgyi)
        exact += cleaned.text == myanmar.nfc(text)
    assert exact >= 0.9 * len(long_texts)
    # Short Zawgyi that reads as valid Unicode (``ကင္ညာ``: an asat taken for a virama) may
    # stay as typed; all but a few percent of the phrases are still converted.
    pairs = [(str(_to_zawgyi().transliterate(p)), myanmar.nfc(p)) for p in phrases()[::7]]
    pairs = [(z, u) for z, u in pairs if z != u]
    back = sum(1 for z, u in pairs if myanmar.clean(z).text == u)
    assert back >= 0.9 * len(pairs)


# ---- bounded cost ------------------------------------------------------------------------


class ConverterSpy:
    """ICU's transliterator, called through, with the length of every text it was given."""

    def __init__(self) -> None:
        self.real = icu.Transliterator.createInstance("Zawgyi-my")
        self.lengths: list[int] = []

    def transliterate(self, text: str) -> str:
        self.lengths.append(len(text))
        return str(self.real.transliterate(text))

    def finishTransliteration(self, text: Any, position: Any) -> None:  # ICU's name
        self.lengths.append(len(text))
        self.real.finishTransliteration(text, position)


def bound() -> int:
    """The longest text the converter may be given: a piece with its context around it."""
    return myanmar.MAX_PIECE + 2 * myanmar.CONTEXT


@pytest.fixture
def converter(monkeypatch: pytest.MonkeyPatch) -> ConverterSpy:
    spy = ConverterSpy()
    monkeypatch.setattr(myanmar, "_converter", lambda: spy)
    return spy


def test_real_burmese_has_few_marks_in_a_row() -> None:
    assert not any(myanmar.has_mark_run(t) for t in burmese_texts())
    assert myanmar.has_mark_run("က" + "\u102d" * (myanmar.MAX_MARKS + 1))
    assert not myanmar.has_mark_run("က" + "\u102d" * myanmar.MAX_MARKS)
    assert myanmar.has_mark_run("e" + "\u0301\u200d" * 7)


def test_long_zawgyi_is_converted_in_bounded_pieces(converter: ConverterSpy) -> None:
    unicode = " ".join(t for t in burmese_texts() if len(t) >= 40)
    zawgyi = str(_to_zawgyi().transliterate(unicode))
    whole = myanmar.nfc(str(converter.real.transliterate(zawgyi)))
    assert len(zawgyi) > 20_000
    cleaned = myanmar.clean(zawgyi)
    assert cleaned.converted_from_zawgyi
    assert cleaned.text == whole  # the pieces convert as the whole does
    assert max(converter.lengths) <= bound()
    # Without spaces, the pieces are cut at syllables and still convert as the whole does.
    converter.lengths.clear()
    unspaced = zawgyi.replace(" ", "")
    assert myanmar.zawgyi_to_unicode(unspaced) == myanmar.nfc(
        str(converter.real.transliterate(unspaced))
    )
    assert converter.lengths and max(converter.lengths) <= bound()


def test_a_long_run_the_mark_check_lets_through_is_converted_in_pieces(
    converter: ConverterSpy,
) -> None:
    # U+107D is a letter to Unicode (no mark run) and a stacked form to Zawgyi; ICU's time
    # grows with the square of a run of it.
    text = "ျမန္မာ " * 20 + "ျမ" + "\u107d" * 20_000
    assert not myanmar.has_mark_run(text)
    myanmar.zawgyi_to_unicode(text)
    assert converter.lengths and max(converter.lengths) <= bound()


def test_pieces_join_back_into_the_text() -> None:
    for text in ("", " ", "a " * 500, "\u1031" * 1_000, "ျမန္မာ " * 100 + "x" * 450):
        parts = list(myanmar.pieces(text))
        assert "".join(parts) == text
        assert all(0 < len(p) <= myanmar.MAX_PIECE for p in parts)
