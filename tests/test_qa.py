"""Cited Q&A: verification, re-asks, refusals, CLI; fake endpoint (respx) + real model tests."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from agent.cli import main
from agent.core.config import Settings, load_settings
from agent.core.errors import ModelError, StoreError
from agent.index.retrieval import search
from agent.index.store import Store
from agent.ingest.pipeline import ingest
from agent.llm.client import LLM
from agent.qa.answer import (
    answer_question,
    build_context,
    content_words,
    coverage,
    evidence_gate,
    needs_rewrite,
    question_constraints,
    question_roles,
    render_sources,
    sentence_score,
)
from agent.qa.schemas import Answer

BASE = "http://llm.test/v1"
URL = BASE + "/chat/completions"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"

FUNDS_Q = "齐齐哈尔近三年为全市中职学校投入了多少资金？"
FUNDS_QUOTE = "近三年,共为全市中职学校投入资金3.19亿元"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from seeds/ (built once per module; tests copy it when they write)."""
    root = tmp_path_factory.mktemp("qa")
    corpus = root / "corpus"
    corpus.mkdir()
    for s in sorted(SEEDS.glob("*.txt")):
        shutil.copy(s, corpus / s.name)
    store = Store(load_settings({"store": root / "store"}))
    report = ingest(store, [corpus])
    assert not report.failed
    store.db.close()
    return root / "store"


def _settings(store: Path, cache: Path, **over: Any) -> Settings:
    values: dict[str, Any] = {
        "store": store,
        "cache_dir": cache,
        "base_url": BASE,
        "api_key": "sk-test",
        "model": "test-model",
        "max_retries": 2,
        "http_retries": 0,
        "timeout_s": 5.0,
    }
    values.update(over)
    return load_settings(values)


@pytest.fixture
def env(seeded: Path, tmp_path: Path) -> Iterator[tuple[Store, LLM]]:
    settings = _settings(seeded, tmp_path / "cache")
    store = Store(settings)
    llm = LLM.from_settings(settings, "test")
    yield store, llm
    llm.close()


def _completion(content: str, pt: int = 300, ct: int = 40) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
    }


def _draft(answer: str, cite: list[int], answerable: bool = True) -> str:
    return json.dumps({"answerable": answerable, "answer": answer, "cite": cite},
                      ensure_ascii=False)


def _refused(_request: httpx.Request) -> str:
    return _draft("", [], answerable=False)


def _source_with(request: httpx.Request, needle: str) -> int:
    """Number ``[n]`` of the shown sentence in the request that contains ``needle``."""
    body = json.loads(request.content)
    user = body["messages"][1]["content"] if len(body["messages"]) > 1 else ""
    for m in re.finditer(r"^\[(\d+)\](.*)$", user, re.M):
        if needle in m.group(2):
            return int(m.group(1))
    raise AssertionError(f"no sentence contains {needle!r}:\n{user}")


Handler = Callable[[httpx.Request], httpx.Response]


def _respond(*builders: Callable[[httpx.Request], str]) -> Handler:
    """respx side effect: the n-th request gets the n-th builder's JSON content."""
    calls = iter(builders)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_completion(next(calls)(request)))

    return handler


# --------------------------------------------------------------------------- pure helpers


def test_content_words_and_coverage() -> None:
    words = content_words("中原經濟區技工教育聯盟由哪所學校牽頭建立？")
    assert "中原" in words and "哪" not in words and "由" not in words
    assert coverage(["技工", "马拉松"], "技工教育") == pytest.approx(2 / 5)


def test_sentence_score_weighs_overlap_by_length() -> None:
    q = "在山东，失业保险的技能提升补贴，拿到中级工证能补多少钱？"
    words, roles = content_words(q), question_roles(q)
    lead = ("为提升参加失业保险职工的职业技能，发挥失业保险促进就业作用，近日，山东省人力资源和"
            "社会保障厅等16部门印发《关于优化调整稳就业政策措施的通知》，明确我省继续放宽失业保险"
            "技能提升补贴申领条件，对于取得职业资格证书或职业技能等级证书的企业职工或领取失业保险"
            "金期间的失业人员，可按规定申请技能提升补贴。")
    answer = "具体补贴标准为初级（五级）1000元、中级（四级）1500元、高级（三级）2000元。"
    # by overlap alone the answer scores under half the lead; per length it is a strong one
    assert coverage(words, answer) < 0.5 * coverage(words, lead)
    assert sentence_score(words, roles, answer) >= 0.5 * sentence_score(words, roles, lead)
    assert sentence_score(words, roles, "会议强调，要做好暑期安全工作。") == 0
    # a fragment is not inflated by its shortness
    assert sentence_score(words, roles, "补贴") == pytest.approx(2 / 10 ** 0.5)


def test_question_constraints() -> None:
    labels = [c[0] for c in question_constraints("2024年哈尔滨市职业教育活动周的主题是什么？")]
    assert labels == ["2024", "哈尔滨市", "主题"]
    counted = {c.label: c for c in question_constraints("冀南技师学院现有多少名在校生？")}
    assert counted["在校生"].alternatives == ["在校生"] and counted["在校生"].where == "cited"
    # nothing after the question word: the counted noun comes before it
    before = {c.label for c in question_constraints("哈尔滨市属高职院校有几所？")}
    assert "高职院校" in before
    # 哪几个 asks "which", not "how many": no counted noun
    assert all(c[0] != "地方" for c in question_constraints("哪几个地方签署了协议？"))


def test_follow_up_cues() -> None:
    assert needs_rewrite("它是哪天成立的？")
    assert needs_rewrite("那承办单位呢？")
    assert not needs_rewrite("中原经济区技工教育联盟由哪所学校牵头建立？")


def test_context_is_tight_numbered_and_simplified(env: tuple[Store, LLM]) -> None:
    from agent.core.tokens import count_tokens

    store, _ = env
    q = "中原經濟區技工教育聯盟成立大會在何時、何地舉辦？"
    hits = search(store, q, k=3)
    sources = build_context(store, hits, q)
    rendered = render_sources(sources)
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\]", rendered, re.M)]
    assert numbers == list(range(1, sum(len(s.spans) for s in sources) + 1))
    assert rendered.count("<source>") == len(sources)
    assert count_tokens(rendered) <= 360
    assert "中原经济区技工教育联盟成立大会在冀南技师学院举办" in rendered  # simplified form
    for s in sources:  # every shown span lies inside its chunk
        assert all(s.chunk.clean_start <= a < b <= s.chunk.clean_end for a, b in s.spans)


# --------------------------------------------------------------------------- answer flow


@respx.mock
def test_a_sentence_number_not_shown_is_reasked_then_answered(env: tuple[Store, LLM]) -> None:
    store, llm = env
    route = respx.post(URL).mock(
        side_effect=_respond(
            lambda r: _draft("近三年共投入资金3.19亿元。", [99]),
            lambda r: _draft("近三年共投入资金3.19亿元。", [_source_with(r, "3.19")]),
        )
    )
    answer = answer_question(store, llm, FUNDS_Q)
    assert route.call_count == 2
    reask = json.loads(route.calls[1].request.content)["messages"]
    assert any("[99] 不存在" in str(m.get("content")) for m in reask)  # the error went back
    assert answer.answerable and "3.19亿元" in answer.answer
    assert len(answer.citations) == 1
    c = answer.citations[0]
    assert store.original(c.doc_id)[c.start : c.end] == c.quote
    assert "3.19" in c.quote and c.path.endswith("003_dabb0bdaedc4487d.txt")
    assert answer.usage["attempts"] == 2


@respx.mock
def test_a_cited_sentence_is_its_exact_original_span(env: tuple[Store, LLM]) -> None:
    """The citation is the whole shown sentence, sliced from the original file (whose text
    is traditional script with pinyin glued in), and shown cleaned."""
    store, llm = env
    route = respx.post(URL).mock(
        side_effect=_respond(lambda r: _draft("3.19亿元。", [_source_with(r, "3.19")])))
    answer = answer_question(store, llm, FUNDS_Q)
    assert route.call_count == 1 and answer.answerable
    (c,) = answer.citations
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "3.19" in c.quote
    assert "學(xué)校" in c.quote and c.text == "近三年,共為全市中職學校投入資金3.19億元。"


def _sentence_without(request: httpx.Request, needle: str) -> int:
    """Number ``[n]`` of a shown sentence that does not contain ``needle``."""
    user = json.loads(request.content)["messages"][1]["content"]
    return next(int(m[1]) for m in re.finditer(r"^\[(\d+)\](.*)$", user, re.M)
                if needle not in m[2])


@respx.mock
def test_an_answer_under_the_wrong_number_cites_the_sentence_that_states_it(
    env: tuple[Store, LLM],
) -> None:
    store, llm = env
    said = "近三年共为全市中职学校投入资金3.19亿元。"
    # The focused first attempt shows the one sentence with the sum: refused there, the
    # whole context is shown, where the answer comes under another sentence's number.
    route = respx.post(URL).mock(side_effect=_respond(
        _refused, lambda r: _draft(said, [_sentence_without(r, "3.19")])))
    answer = answer_question(store, llm, FUNDS_Q)
    assert route.call_count == 2
    assert len(_sources_of(route.calls[0].request)) == 1
    assert answer.answerable and answer.answer == said
    (c,) = answer.citations
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "3.19" in c.quote


@respx.mock
def test_an_answer_stating_a_number_its_quote_does_not_is_replaced_by_the_quote(
    env: tuple[Store, LLM],
) -> None:
    """The model writes 5亿元 over a verbatim quote that says 3.19亿元: no re-ask (a whole
    generation), the verified quote is the answer."""
    store, llm = env
    def bad(r):
        return _draft("近三年共投入资金5亿元。", [_source_with(r, "3.19")])
    route = respx.post(URL).mock(side_effect=_respond(bad, bad))
    answer = answer_question(store, llm, FUNDS_Q)
    assert route.call_count == 1
    assert answer.answerable and "5亿" not in answer.answer and "3.19亿元" in answer.answer
    (c,) = answer.citations
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "3.19" in c.quote


@respx.mock
def test_an_answer_naming_what_the_article_never_writes_is_replaced_by_the_quote(
    env: tuple[Store, LLM],
) -> None:
    """The quote is verbatim and the number right, but the answer adds a body the cited
    article never names: the reader is shown the quote instead."""
    store, llm = env
    def invented(r):
        return _draft("深圳腾飞集团近三年投入资金3.19亿元。",
                      [_source_with(r, "3.19")])
    route = respx.post(URL).mock(side_effect=_respond(invented, invented))
    answer = answer_question(store, llm, FUNDS_Q)
    assert route.call_count == 1
    assert answer.answerable and "3.19亿元" in answer.answer and "深圳" not in answer.answer


def test_focused_sentences_of_a_count_question_state_a_number(env: tuple[Store, LLM]) -> None:
    from agent.index.retrieval import search
    from agent.qa.focus import candidates
    from agent.qa.question import QuestionSpec
    from agent.text.normalize import NormalizedText
    from agent.text.numbers import numbers_in

    store, _llm = env
    q = NormalizedText.of("齐齐哈尔现在有几个职教集团？")
    hits = search(store, q, k=3, mode="hybrid")
    cands = candidates(store, hits, QuestionSpec(q))
    assert cands
    assert all(numbers_in(c.doc.search_text[c.span[0] : c.span[1]]) for c in cands)


def test_unsupported_terms_are_names_the_articles_never_write() -> None:
    from agent.text.nouns import unsupported_terms

    article = ("现场赛分为高教主赛道、青年红色筑梦之旅赛道、职教赛道3个赛道。"
               "四个融合是指产教融合、科教融合")
    claim = "现场赛分成了职教赛道、商业赛道、科技赛道"
    assert unsupported_terms(claim, [article]) == ["商业", "科技"]
    assert unsupported_terms("现场赛分为高教主赛道和职教赛道", [article]) == []
    assert unsupported_terms("四个融合是指产教融合、科教融合", [article]) == []  # 指产教 cut


@respx.mock
def test_only_unshown_sentences_cited_without_anchor_is_refused(env: tuple[Store, LLM]) -> None:
    """Numbers of sentences never shown, re-asked and cited again, for a question code
    cannot anchor: a refusal."""
    store, llm = env
    q = "齐齐哈尔近三年为中职学校做了什么？"
    def bad(r):
        return _draft("投入5亿元。", [99])
    respx.post(URL).mock(side_effect=_respond(bad, bad, bad, bad))
    answer = answer_question(store, llm, q)
    assert not answer.answerable and answer.citations == []
    assert answer.answer.startswith("文档中没有提到")


@respx.mock
def test_an_answer_left_without_shown_sentences_is_cached_as_a_refusal(
    env: tuple[Store, LLM],
) -> None:
    """Asked again, it is read from the cache, not asked again."""
    store, llm = env
    def invented(r):
        return _draft("投入资金5亿元。", [99])
    route = respx.post(URL).mock(side_effect=_respond(*[invented] * 8))
    q = "齐齐哈尔近三年为中职学校做了什么？"
    first = answer_question(store, llm, q)
    calls = route.call_count
    again = answer_question(store, llm, q)
    assert not first.answerable and not again.answerable and again.answer == first.answer
    assert route.call_count == calls


@respx.mock
def test_model_flag_unanswerable_is_a_refusal_in_question_script(env: tuple[Store, LLM]) -> None:
    store, llm = env
    respx.post(URL).mock(side_effect=_respond(lambda r: _draft("", [], answerable=False)))
    answer = answer_question(store, llm, "冀南技師學院現有多少名教師？")
    assert not answer.answerable and answer.answer.startswith("文件中沒有提到")


@respx.mock
def test_constraint_missing_from_cited_chunk_is_refused(env: tuple[Store, LLM]) -> None:
    """2024 theme asked, only the 2023 theme is stated: a verified quote is not enough."""
    store, llm = env
    route = respx.post(URL).mock(
        side_effect=_respond(
            lambda r: _draft(
                "主题是“匠心育人,技展未来”。",
                [_source_with(r, "匠心育人")],
            ),
        )
    )
    answer = answer_question(store, llm, "2024年哈尔滨市职业教育活动周的主题是什么？")
    assert route.call_count == 1
    assert not answer.answerable and not answer.citations
    assert "2024" in answer.answer


def _sources_of(request: httpx.Request) -> list[str]:
    body = json.loads(request.content)
    user = body["messages"][1]["content"]
    return re.findall(r"<source>\n(.*?)\n</source>", user, re.S)


@respx.mock
def test_focused_first_attempt_reads_only_the_sentence_with_the_role(
    env: tuple[Store, LLM],
) -> None:
    """For a 主持 question code finds the one sentence that says 主持: the model is shown
    that sentence alone first (a short prompt), and its answer is verified as usual."""
    store, llm = env
    q = "中原经济区技工教育联盟成立大会由谁主持？"
    right = lambda r: _draft(  # noqa: E731
        "由王合章主持。", [_source_with(r, "王合章主持")])
    route = respx.post(URL).mock(side_effect=_respond(right))
    answer = answer_question(store, llm, q)
    assert route.call_count == 1
    (focused,) = _sources_of(route.calls[0].request)
    assert "主持" in focused and "\n" not in focused
    assert answer.answerable and "王合章" in answer.answer
    c = answer.citations[0]
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "主持" in c.quote


@respx.mock
def test_whole_context_after_a_refused_focused_attempt(env: tuple[Store, LLM]) -> None:
    """The focused sentence refused, the model reads the whole context; an answer there
    that cites the 主办 sentence for a 主持 question is sent back once and fails again. The
    focused sentence is not asked twice: its clause that says 主持 is quoted instead."""
    store, llm = env
    q = "中原经济区技工教育联盟成立大会由谁主持？"
    hosted = "此次大会由中原经济区技工教育联盟主办"
    wrong = lambda r: _draft("由联盟主办。", [_source_with(r, hosted)])  # noqa: E731
    route = respx.post(URL).mock(side_effect=_respond(_refused, wrong, wrong))
    answer = answer_question(store, llm, q)
    assert route.call_count == 3  # focused, whole context + its re-ask; no third attempt
    assert len(re.findall(r"^\[\d+\]", json.loads(route.calls[1].request.content)
                          ["messages"][1]["content"], re.M)) > 1
    assert answer.answerable and "王合章" in answer.answer
    (c,) = answer.citations
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "主持" in c.quote


@respx.mock
def test_extractive_answer_when_both_attempts_refuse(env: tuple[Store, LLM]) -> None:
    """A count whose sentence ties the number to the counted phrase (高职院校7所) is
    quoted by code when the model refuses twice; the quote slices the original."""
    store, llm = env
    refuse = lambda r: _draft("", [], answerable=False)  # noqa: E731
    route = respx.post(URL).mock(side_effect=_respond(refuse, refuse))
    answer = answer_question(store, llm, "哈尔滨市属高职院校有几所？")
    assert route.call_count == 2
    assert answer.answerable and "高职院校7所" in answer.answer
    (c,) = answer.citations
    assert store.original(c.doc_id)[c.start : c.end] == c.quote and "7所" in c.quote


@respx.mock
def test_extractive_when_answer_quotes_the_date_and_the_event_clause(
    env: tuple[Store, LLM],
) -> None:
    store, llm = env
    refuse = lambda r: _draft("", [], answerable=False)  # noqa: E731
    respx.post(URL).mock(side_effect=_respond(refuse, refuse))
    answer = answer_question(store, llm, "绍兴数字工匠“中高政园企”共育联盟成立大会何时在哪里召开？")
    assert answer.answerable and "11月10日" in answer.answer and "绍兴中专召开" in answer.answer
    assert len(answer.citations) == 2  # two separate clauses, each sliced from the original
    for c in answer.citations:
        assert store.original(c.doc_id)[c.start : c.end] == c.quote


@respx.mock
def test_no_extractive_answer_without_an_anchor(env: tuple[Store, LLM]) -> None:
    """Without a role, office or counted phrase to anchor a clause, two refusals stay a
    refusal."""
    store, llm = env
    refuse = lambda r: _draft("", [], answerable=False)  # noqa: E731
    respx.post(URL).mock(side_effect=_respond(refuse, refuse))
    answer = answer_question(store, llm, "中原经济区技工教育联盟的宗旨是什么？")
    assert not answer.answerable and not answer.citations


@respx.mock
def test_another_organisations_office_holder_is_refused(env: tuple[Store, LLM]) -> None:
    store, llm = env
    quote = "哈尔滨科学技术职业学院党委副书记、校长李军"  # another college, same chunk
    other = lambda r: _draft("校长是李军。", [_source_with(r, quote)])  # noqa: E731
    respx.post(URL).mock(side_effect=_respond(other, other))
    answer = answer_question(store, llm, "哈尔滨职业技术学院的校长是谁？")
    assert not answer.answerable and not answer.citations
    assert "哈尔滨职业技术学院的校长" in answer.answer


@respx.mock
def test_low_evidence_refusal_makes_no_http_call(env: tuple[Store, LLM]) -> None:
    store, llm = env
    route = respx.post(URL).mock(return_value=httpx.Response(500))
    for q in ("北京冬奥会的吉祥物是什么？", "長三角41市2023年前三季度GDP總量是多少？"):
        hits = search(store, q, k=3)
        assert evidence_gate(q, hits) is not None
        answer = answer_question(store, llm, q)
        assert not answer.answerable and not answer.citations
    assert answer.answer.startswith("文件中沒有提到")  # traditional question → traditional
    assert route.call_count == 0


@respx.mock
def test_traditional_question_gets_traditional_answer(env: tuple[Store, LLM]) -> None:
    store, llm = env
    respx.post(URL).mock(
        side_effect=_respond(
            lambda r: _draft(
                "由冀南技师学院牵头建立。",
                [_source_with(r, "牵头建立")],
            ),
        )
    )
    answer = answer_question(store, llm, "中原經濟區技工教育聯盟由哪所學校牽頭建立？")
    assert answer.answerable and answer.answer == "由冀南技師學院牽頭建立。"
    c = answer.citations[0]
    assert c.quote == store.original(c.doc_id)[c.start : c.end]
    assert "牽頭建立" in c.quote  # the original (traditional, pinyin-glued) text


def test_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "empty", tmp_path / "cache")
    with (
        LLM.from_settings(settings, "test") as llm,
        pytest.raises(StoreError, match="agent ingest"),
    ):
        answer_question(Store(settings), llm, FUNDS_Q)


@respx.mock
def test_endpoint_error_raises_model_error(env: tuple[Store, LLM]) -> None:
    store, llm = env
    respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "boom"}}))
    with pytest.raises(ModelError, match="HTTP 500"):
        answer_question(store, llm, FUNDS_Q)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    config = tmp_path / "agent.toml"
    config.write_text(
        "[agent]\nhttp_retries = 0\nmax_retries = 2\ntimeout_s = 5\n", encoding="utf-8"
    )
    monkeypatch.setenv("AGENT_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENT_MODEL", "test-model")
    monkeypatch.setenv("AGENT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AGENT_STORE", str(seeded))
    return {}


@respx.mock
def test_cli_ask_json_shape(cli_env: dict[str, str]) -> None:
    respx.post(URL).mock(
        side_effect=_respond(
            lambda r: _draft(
                "近三年共投入资金3.19亿元。",
                [_source_with(r, "3.19")],
            )
        )
    )
    result = CliRunner().invoke(main, ["ask", FUNDS_Q, "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["question", "answer", "answerable", "citations", "usage"]
    assert data["answerable"] is True and data["question"] == FUNDS_Q
    assert list(data["citations"][0]) == ["doc_id", "path", "chunk_id", "quote", "text", "start",
                                          "end", "page"]
    assert data["citations"][0]["page"] is None  # a text file has no pages
    assert "职(" not in data["citations"][0]["text"]  # the cleaned span, for display
    assert data["usage"]["model"] == "test-model" and data["usage"]["calls"] == 1


@respx.mock
def test_cli_ask_text_lists_numbered_sources(cli_env: dict[str, str]) -> None:
    respx.post(URL).mock(
        side_effect=_respond(
            lambda r: _draft(
                "近三年共投入资金3.19亿元。",
                [_source_with(r, "3.19")],
            )
        )
    )
    result = CliRunner().invoke(main, ["ask", FUNDS_Q])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "近三年共投入资金3.19亿元。"
    assert re.fullmatch(
        r"\[1\] 003_dabb0bdaedc4487d\.txt · .+ · 「.*3\.19億元。?」 \(\d+–\d+\)", lines[2]
    )


@respx.mock
def test_cli_ask_refusal_exits_zero_without_model(cli_env: dict[str, str]) -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(500))
    result = CliRunner().invoke(main, ["ask", "北京冬奥会的吉祥物是什么？", "--json"])
    assert result.exit_code == 0 and route.call_count == 0
    data = json.loads(result.stdout)
    assert data["answerable"] is False and data["citations"] == []
    assert data["answer"].startswith("文档中没有提到")


@pytest.mark.parametrize("failure", ["http500", "refused"])
@respx.mock
def test_cli_ask_endpoint_failure_is_one_line(cli_env: dict[str, str], failure: str) -> None:
    if failure == "http500":
        respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "x"}}))
    else:
        respx.post(URL).mock(side_effect=httpx.ConnectError("Connection refused"))
    result = CliRunner().invoke(main, ["ask", FUNDS_Q])
    assert result.exit_code == 4
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: model test-model")
    assert ("HTTP 500" if failure == "http500" else "connection failed") in err[0]


def test_cli_ask_empty_store(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "nothing"), "ask", "  "])
    assert result.exit_code == 2 and result.stderr.strip() == "error: the question is empty"
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "nothing"), "ask", FUNDS_Q])
    assert result.exit_code == 3
    assert result.stderr.strip().count("\n") == 0 and "agent ingest" in result.stderr


# --------------------------------------------------------------------------- real model

MODEL_ANSWERABLE: list[tuple[str, list[list[str]]]] = [
    # (question, key facts: each entry is a list of alternatives, compared in simplified form)
    ("哈尔滨市产教融合共同体发展壮大到了多少个？", [["10个", "十个"]]),
    ("哈尔滨市职教活动周启动仪式由哪个学院承办？", [["哈尔滨职业技术学院", "哈职院"]]),
    ("中原经济区技工教育联盟成立大会由谁主持？", [["王合章"]]),
    ("齐齐哈尔的职教新区占地多少平方公里？", [["1平方公里"]]),
    ("齐齐哈尔组建了多少支为农服务小分队？", [["17支", "十七支"]]),
    ("富裕县寒地灵芝种植累计带动了多少农户？", [["1000多户", "1000多"]]),
    ("绍兴数字工匠共育联盟成立大会由谁主持？", [["汪江峰"]]),
    ("哈尔滨市属高职院校有几所？", [["7所", "七所"]]),
    ("齐齐哈尔有多少家社区教育学校？", [["165家", "165"]]),
    ("中原经济区技工教育联盟由哪两个部门指导？", [["河北省人社厅"], ["邯郸市人社局"]]),
    # traditional script
    ("齊齊哈爾每年涉農和技能培訓多少人次？", [["12万人次", "12万"]]),
]
MODEL_UNANSWERABLE = [
    "哈尔滨职业技术学院的校长是谁？",
    "2022年哈尔滨市职业教育活动周的主题是什么？",
    "中原经济区技工教育联盟计划到2025年培养多少名高技能人才？",
    "上海市职业教育活动周在哪里举行？",
]


def _norm(text: str) -> str:
    from agent.text.normalize import search_form as simplified

    return re.sub(r"\s+", "", simplified(text)).lower()


@pytest.fixture(scope="module")
def model_env(seeded: Path) -> Iterator[tuple[Store, LLM]]:
    """The real embedded model (default settings), started once for the module."""
    settings = load_settings({"store": seeded})
    if not settings.uses_embedded:  # pragma: no cover
        pytest.skip("an endpoint is configured; these tests are for the embedded model")
    store = Store(settings)
    llm = LLM.from_settings(settings, "test-qa")
    yield store, llm
    llm.close()


@pytest.fixture(scope="module")
def model_answers(model_env: tuple[Store, LLM]) -> dict[str, tuple[Answer, float]]:
    """Every model question answered once (the model answers one at a time)."""
    store, llm = model_env
    out: dict[str, tuple[Answer, float]] = {}
    for question in [q for q, _ in MODEL_ANSWERABLE] + MODEL_UNANSWERABLE:
        t0 = time.monotonic()
        out[question] = (answer_question(store, llm, question), time.monotonic() - t0)
        print(f"{question} -> {out[question][0].answer} ({out[question][1]:.1f}s)")
    times = sorted(t for _, t in out.values())
    print(f"ask latency p50 {times[len(times) // 2]:.1f}s, max {times[-1]:.1f}s")
    return out


def _correct(answer: Answer, facts: list[list[str]]) -> bool:
    text = _norm(answer.answer + "".join(c.shown for c in answer.citations))
    return answer.answerable and all(any(_norm(a) in text for a in alts) for alts in facts)


@pytest.mark.model
def test_model_answers_carry_verified_citations(
    model_env: tuple[Store, LLM], model_answers: dict[str, tuple[Answer, float]]
) -> None:
    store, _ = model_env
    for answer, _t in model_answers.values():
        if answer.answerable:
            assert answer.citations, answer.answer
            for c in answer.citations:
                # the seed files are UTF-8 with LF line ends: the offsets index the file
                on_disk = Path(c.path).read_text(encoding="utf-8")
                assert on_disk[c.start : c.end] == c.quote
                assert store.original(c.doc_id)[c.start : c.end] == c.quote
        else:
            assert not answer.citations


@pytest.mark.model
@pytest.mark.parametrize(("question", "facts"), MODEL_ANSWERABLE,
                         ids=[f"a{i:02d}" for i in range(len(MODEL_ANSWERABLE))])
def test_model_answers_with_the_key_fact(
    model_answers: dict[str, tuple[Answer, float]], question: str, facts: list[list[str]]
) -> None:
    """Each question on its own: answered, with every key fact in the answer text."""
    answer = model_answers[question][0]
    assert _correct(answer, facts), answer.answer


@pytest.mark.model
def test_model_traditional_question_gets_traditional_answer(
    model_answers: dict[str, tuple[Answer, float]],
) -> None:
    from agent.qa.answer import question_script

    question, facts = next(
        (q, f) for q, f in MODEL_ANSWERABLE if question_script(q) == "traditional"
    )
    answer = model_answers[question][0]
    assert _correct(answer, facts), answer.answer
    assert question_script(answer.answer) != "simplified"


@pytest.mark.model
@pytest.mark.parametrize("question", MODEL_UNANSWERABLE,
                         ids=[f"u{i:02d}" for i in range(len(MODEL_UNANSWERABLE))])
def test_model_refuses_what_the_documents_do_not_say(
    model_answers: dict[str, tuple[Answer, float]], question: str
) -> None:
    answer = model_answers[question][0]
    assert not answer.answerable, answer.answer
    assert answer.answer.startswith("文档中没有提到") and not answer.citations


@pytest.mark.model
def test_model_support_check_tells_an_answer_from_a_sentence_on_the_topic(
    model_env: tuple[Store, LLM],
) -> None:
    """The opt-in support check (settings.support_check) on invented sentences."""
    from agent.qa.support import supports

    _, llm = model_env
    assert supports(llm, "江城职业技术学院为什么要开设无人机专业？",
                    "为满足本地低空经济企业的用人需求，江城职业技术学院今年新开设无人机应用技术专业。")
    assert not supports(llm, "江城职业技术学院院长如何评价这次合作？",
                        "江城职业技术学院院长李明主持签约仪式。")


def test_citation_text_is_the_cleaned_span_of_an_exact_original_slice() -> None:
    from agent.ingest.cleaning import document_from_text
    from agent.qa.schemas import Citation

    original = "記者 張三\n本報訊 發展職業(yè)教育活動(dòng)周在哈爾濱開幕。"
    doc = document_from_text(original, path="x.txt")
    start = original.index("發展")
    end = original.index("。") + 1
    shown = doc.cleaned_text(start, end)
    assert shown == "發展職業教育活動周在哈爾濱開幕。"
    cit = Citation(doc_id="d", path="x.txt", chunk_id="c", quote=original[start:end],
                   start=start, end=end, text=shown)
    assert original[cit.start:cit.end] == cit.quote and cit.shown == shown
    assert Citation(doc_id="d", path="x", chunk_id="c", quote=" a\n b ", start=0,
                    end=5).shown == "a b"


def test_answer_cost_line_is_per_answer() -> None:
    from agent.qa.chat import answer_cost
    from agent.qa.schemas import Answer

    ans = Answer(question="q", answer="a", answerable=True,
                 usage={"calls": 2.0, "cache_hits": 1.0, "prompt_tokens": 1200.0,
                        "completion_tokens": 330.0})
    assert answer_cost(ans, 8.14) == "8.1s · 2 次模型调用（另 1 次缓存） · 1,530 tokens"
    assert answer_cost(ans.model_copy(update={"usage": {}}), 0.3) == "0.3s"
