"""What people type and what the bot sends: words split as people mean them, Slack text escaped and
clipped within Slack's limits without breaking a character, an entity or a link."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot import mrkdwn
from bot.words import rest, split
from tests.fakes import slack_blockkit as kit


def texts(words) -> list[str]:
    return [w.text for w in words]


def test_apostrophes_are_letters_and_quotes_group_words():
    assert texts(split("fcp 3 reject we don't need it")) == ["fcp", "3", "reject", "we", "don't", "need", "it"]
    assert texts(split('fcp 3 accept feast "Adopt Feast."')) == ["fcp", "3", "accept", "feast", "Adopt Feast."]
    assert texts(split("add “smart quotes” too")) == ["add", "smart quotes", "too"]
    assert texts(split('an "unclosed quote runs on')) == ["an", "unclosed quote runs on"]
    assert texts(split("  spaced\tout  ")) == ["spaced", "out"]
    words = split('fcp 3 accept feast "Adopt Feast."')
    assert rest('fcp 3 accept feast "Adopt Feast."', words, 4) == "Adopt Feast."
    line = "decision Ship it, don't wait"
    assert rest(line, split(line), 1) == "Ship it, don't wait"


@given(st.text(max_size=200))
def test_splitting_never_fails(text):
    for word in split(text):
        assert text[word.start:word.end]


def test_escaping_and_plain_text():
    assert mrkdwn.escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert mrkdwn.plain("<!channel> and <!subteam^S1|@platform>") == "@channel and @platform"


@given(st.text(max_size=400), st.integers(min_value=2, max_value=300))
def test_clipped_text_fits_and_is_never_cut_inside_an_entity(text, limit):
    out = mrkdwn.clip(mrkdwn.escape(text), limit)
    assert mrkdwn.units(out) <= limit
    amp = out.rfind("&")
    assert amp < 0 or ";" in out[amp:] or out == mrkdwn.escape(text)


def test_blocks_stay_within_slack_limits_whatever_the_text():
    long = "🎉 <!here> & " * 1000
    blocks = [mrkdwn.section(mrkdwn.safe(long)), mrkdwn.context(long), mrkdwn.header(long),
              {"type": "actions", "elements": [mrkdwn.button(long, "a", long)]}]
    blocks += [mrkdwn.section("x")] * 60
    assert kit.blocks(mrkdwn.message(blocks)) == []
    assert len(mrkdwn.message(blocks)) == 50
