"""Alias/spin canonical keys and duplicate merging of events, alliances and targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.extract import aliases
from agent.extract.aliases import canonical_name, full_name
from agent.extract.merge import (
    JACCARD_BORDERLINE,
    JACCARD_MERGE,
    MIN_CONTAINED_CHARS,
    bigram_jaccard,
    dedupe_within,
    merge_items,
    resolve,
)
from agent.extract.schemas import Alliance, DocumentExtraction, Event, Evidence, Target


@pytest.fixture(autouse=True)
def _default_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENT_ALIASES", raising=False)
    aliases.reload()


def ev(doc: str, start: int, quote: str = "引文片段内容") -> Evidence:
    return Evidence(doc_id=doc, quote=quote, start=start, end=start + len(quote))


def alliance(name: str, doc: str = "d1", n_ev: int = 1, **kw: object) -> Alliance:
    evidence = [ev(doc, 10 * i + hash(name) % 1000 * 100) for i in range(n_ev)]
    return Alliance(name=name, evidence=evidence, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- canonical keys


def test_constants_documented_values() -> None:
    assert JACCARD_MERGE == 0.8
    assert JACCARD_BORDERLINE == 0.5
    assert MIN_CONTAINED_CHARS == 6


def test_canonical_name_folds_script_width_quotes_aliases_spin() -> None:
    assert canonical_name("中原經濟區技工教育聯盟") == "中原经济区技工教育联盟"
    assert canonical_name(" 成立“中原经济区技工教育联盟” ") == "中原经济区技工教育联盟"
    assert canonical_name("《职业(yè)教育》联盟") == "职业教育联盟"
    assert canonical_name("江城市人社局") == canonical_name("江城市人力资源和社会保障局")
    assert canonical_name("江城职教集团") == "江城职业教育集团"
    assert canonical_name("开云职业教育联盟") == "职业教育联盟"  # injected spam brand
    # the package reverses no spinning: a synonym table fitted to one reprint helps none
    assert canonical_name("产教统一定约") != canonical_name("产教融合联盟")
    assert full_name("人社部") == "人力资源和社会保障部"
    assert full_name("某某学院") == "某某学院"


def test_user_alias_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    extra = tmp_path / "aliases.toml"
    extra.write_text('[aliases]\n"冀南技院" = "冀南技师学院"\n[spin]\n"结盟" = "联盟"\n', "utf-8")
    monkeypatch.setenv("AGENT_ALIASES", str(extra))
    aliases.reload()
    assert canonical_name("冀南技院") == "冀南技师学院"
    assert canonical_name("技工教育结盟") == "技工教育联盟"
    assert canonical_name("人社厅") == "人力资源和社会保障厅"  # bundled table still active


# --------------------------------------------------------------------------- resolve


def test_resolve_rules() -> None:
    assert resolve("中原经济区技工教育联盟", "中原經濟區技工教育聯盟")
    # containment with a distinctive shorter name (>= 6 chars)
    assert resolve("中原经济区技工教育联盟", "河北中原经济区技工教育联盟")
    # containment by a generic name is not enough
    assert not resolve("产教融合共同体", "对俄经贸产教融合共同体")
    assert not resolve("技工教育联盟", "中原经济区技工教育联盟")
    # different kinds are never the same
    assert not resolve("齐齐哈尔现代农业职业教育集团", "齐齐哈尔现代农业职业教育联盟")
    # high-Jaccard near duplicate (one inserted char)
    a, b = "绍兴万亩千亿新产业平台市域产教联合体", "绍兴万亩千亿新产业平台之市域产教联合体"
    assert bigram_jaccard(canonical_name(a), canonical_name(b)) >= JACCARD_MERGE
    assert resolve(a, b)


def test_distinct_alliances_with_shared_tail_not_merged() -> None:
    pairs = [
        ("对俄经贸产教融合共同体", "冰雪体育产教融合共同体"),
        ("哈尔滨市对俄经贸产教融合共同体", "哈尔滨市冰雪体育产教融合共同体"),
        (
            "黑龙江省数字经济行业产教融合共同体建设联盟",
            "黑龙江省现代农业行业产教融合共同体建设联盟",
        ),
        ("哈尔滨市第一职业高级中学产教联盟", "哈尔滨市第二职业高级中学产教联盟"),
    ]
    for a, b in pairs:
        assert not resolve(a, b), (a, b)
        assert not resolve(a, b, confirm=lambda _a, _b: True), (a, b)


def test_high_jaccard_with_substituted_segment_not_merged() -> None:
    a = "黑龙江省哈尔滨市现代服务业与数字经济对俄经贸产教融合共同体"
    b = "黑龙江省哈尔滨市现代服务业与数字经济冰雪体育产教融合共同体"
    assert bigram_jaccard(canonical_name(a), canonical_name(b)) >= 0.6
    assert not resolve(a, b)


def test_borderline_uses_confirm_hook() -> None:
    a, b = "绍兴数字工匠共育联盟", "绍兴数字工匠中高政园企共育联盟"
    j = bigram_jaccard(canonical_name(a), canonical_name(b))
    assert JACCARD_BORDERLINE <= j < JACCARD_MERGE
    assert not resolve(a, b)
    calls: list[tuple[str, str]] = []

    def yes(x: str, y: str) -> bool:
        calls.append((x, y))
        return True

    assert resolve(a, b, confirm=yes)
    assert calls == [(a, b)]


# --------------------------------------------------------------------------- alliances


def test_same_alliance_twice_in_one_doc() -> None:
    items = [
        alliance("中原经济区技工教育联盟", members=["冀南技师学院"], n_ev=2),
        alliance("“中原经济区技工教育联盟”", members=["冀南技师学院", "邯郸市人社局"]),
    ]
    out = dedupe_within(items)
    assert len(out) == 1
    merged = out[0]
    assert merged.name == "中原经济区技工教育联盟"  # source with most evidence
    assert merged.aliases == ["“中原经济区技工教育联盟”"]
    assert merged.members == ["冀南技师学院", "邯郸市人社局"]
    assert len(merged.evidence) == 3
    assert merged.doc_ids == ["d1"]


def test_traditional_vs_simplified_across_docs() -> None:
    d1 = DocumentExtraction(doc_id="d1", path="a.txt", alliances=[
        alliance("中原經濟區技工教育聯盟", doc="d1", n_ev=3, lead="冀南技師學院")])
    d2 = DocumentExtraction(doc_id="d2", path="b.txt", alliances=[
        alliance("中原经济区技工教育联盟", doc="d2", lead="冀南技师学院", founded="6月12日")])
    merged = merge_items([d1, d2])
    assert len(merged.alliances) == 1
    a = merged.alliances[0]
    assert a.name == "中原經濟區技工教育聯盟"
    assert a.aliases == ["中原经济区技工教育联盟"]
    assert a.doc_ids == ["d1", "d2"]
    assert a.founded == "6月12日"
    assert len(a.evidence) == 4


def test_spun_reprint_name_merges_with_a_user_spin_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    extra = tmp_path / "aliases.toml"
    extra.write_text('[spin]\n"产教统一" = "产教融合"\n"定约" = "联盟"\n"连合体" = "联合体"\n',
                     "utf-8")
    monkeypatch.setenv("AGENT_ALIASES", str(extra))
    aliases.reload()
    d1 = DocumentExtraction(doc_id="orig", path="a.txt", alliances=[
        alliance("产教融合联盟", doc="orig", n_ev=2, kind="联盟")])
    d2 = DocumentExtraction(doc_id="spun", path="b.txt", alliances=[
        alliance("产教统一定约", doc="spun"),
        alliance("市域产教连合体", doc="spun", kind="联合体"),
    ])
    d3 = DocumentExtraction(doc_id="orig2", path="c.txt", alliances=[
        alliance("市域产教联合体", doc="orig2", n_ev=2, kind="联合体")])
    merged = merge_items([d1, d2, d3])
    names = sorted(a.name for a in merged.alliances)
    assert names == ["产教融合联盟", "市域产教联合体"]
    spun = next(a for a in merged.alliances if a.name == "产教融合联盟")
    assert spun.aliases == ["产教统一定约"]
    assert spun.doc_ids == ["orig", "spun"]
    monkeypatch.delenv("AGENT_ALIASES")
    aliases.reload()


def test_abbreviated_lead_and_name() -> None:
    items = [
        alliance("冰雪体育产教融合共同体", lead="江城市人社局",
                 members=["江城职教集团", "江城奥创体育发展有限公司"]),
        alliance("冰雪体育产教融合共同体", doc="d2", lead="江城市人力资源和社会保障局",
                 members=["江城职业教育集团"]),
        alliance("江城职教集团现代学徒制联盟", doc="d3"),
        alliance("江城职业教育集团现代学徒制联盟", doc="d4", n_ev=2),
    ]
    out = dedupe_within(items)
    assert len(out) == 2
    snow, appr = out
    assert snow.lead == "江城市人力资源和社会保障局"
    assert snow.members == ["江城职业教育集团", "江城奥创体育发展有限公司"]
    assert appr.name == "江城职业教育集团现代学徒制联盟"
    assert appr.aliases == ["江城职教集团现代学徒制联盟"]


def test_distinct_alliances_kept_apart_in_merge() -> None:
    items = [
        alliance("对俄经贸产教融合共同体"),
        alliance("冰雪体育产教融合共同体"),
        alliance("产教融合共同体"),
        alliance("齐齐哈尔现代农业职业教育集团"),
        alliance("齐齐哈尔现代农业职业教育联盟"),
        alliance("现代服务业职业教育联盟"),
    ]
    out = dedupe_within(items, confirm=lambda _a, _b: True)
    assert [a.name for a in out] == [a.name for a in items]


def test_confirm_hook_merges_borderline_once() -> None:
    calls: list[tuple[str, str]] = []

    def judge(a: str, b: str) -> bool:
        calls.append((a, b))
        return True

    # a borderline pair (bigram Jaccard between the two bounds), no quoted insert
    items = [alliance("长沙湘智造智能制造共育联盟", n_ev=2),
             alliance("长沙智能制造共育联盟", doc="d2"),
             alliance("长沙智能制造共育联盟", doc="d3")]
    assert len(dedupe_within(items)) == 2
    out = dedupe_within(items, confirm=judge)
    assert len(out) == 1
    assert out[0].name == "长沙湘智造智能制造共育联盟"
    assert len(calls) == 1


def test_evidence_dedup_by_span() -> None:
    shared = ev("d1", 5, "同一段引文内容")
    items = [Alliance(name="中原经济区技工教育联盟", evidence=[shared]),
             Alliance(name="中原经济区技工教育联盟", evidence=[shared, ev("d1", 50)])]
    out = dedupe_within(items)
    assert [(e.start, e.end) for e in out[0].evidence] == [(5, 12), (50, 56)]


# --------------------------------------------------------------------------- events


def event(name: str, date: str | None, doc: str = "d1", **kw: object) -> Event:
    return Event(name=name, event_type="成立大会", date=date,
                 evidence=[ev(doc, hash((name, date, doc)) % 1000 * 100)], **kw)  # type: ignore[arg-type]


def test_events_merge_by_name_and_date() -> None:
    items = [
        event("中原經濟區技工教育聯盟成立大會", "2023-06-12", doc="d1", location="冀南技師學院"),
        event("中原经济区技工教育联盟成立大会", "--06-12", doc="d2", hosts=["冀南技师学院"]),
        event("中原经济区技工教育联盟成立大会", None, doc="d3"),
        event("中原经济区技工教育联盟成立大会", "2024-06-12", doc="d4"),
        event("中原经济区技工教育联盟", "2023-06-12", doc="d5"),
    ]
    out = dedupe_within(items)
    assert len(out) == 3
    first = out[0]
    assert first.date == "2023-06-12"
    assert first.doc_ids == ["d1", "d2", "d3"]
    assert first.location == "冀南技師學院"
    assert first.hosts == ["冀南技师学院"]
    assert out[1].date == "2024-06-12"


def test_events_different_years_in_name_not_merged() -> None:
    name = "2023年哈尔滨市职业教育活动周启动仪式"
    assert not resolve(name, "2024年哈尔滨市职业教育活动周启动仪式")
    assert resolve(name, "2023年哈爾濱市職業教育活動週啟動儀式")
    assert resolve(name, "2023年哈市职教活动周启动仪式")


def test_dates_compatible() -> None:
    from agent.text.dates import compatible as dates_compatible

    assert dates_compatible("2023-06-12", "--06-12")
    assert dates_compatible("2023-06", "2023-06-12")
    assert dates_compatible(None, "2023")
    assert not dates_compatible("2023-06-12", "2023-06-13")
    assert not dates_compatible("2023", "2024-01")


# --------------------------------------------------------------------------- targets


def target(metric: str, value: float, unit: str | None, year: int | None, doc: str = "d1",
           **kw: object) -> Target:
    return Target(description=kw.pop("description", metric), metric=metric, value=value,  # type: ignore[arg-type]
                  unit=unit, amount_text=f"{value:g}{unit or ''}", deadline_year=year,
                  evidence=[ev(doc, int(value) % 1000 * 10 + len(metric))], **kw)  # type: ignore[arg-type]


def test_targets_merged_by_value_unit_year_and_metric() -> None:
    d1 = DocumentExtraction(doc_id="d1", path="a.txt", targets=[
        target("市域产教联合体数量", 2, "个", 2025, doc="d1", status="goal"),
        target("产教融合型企业", 100, "家", 2025, doc="d1"),
    ])
    d2 = DocumentExtraction(doc_id="d2", path="b.txt", targets=[
        target("市域产教联合体", 2, "个", 2025, doc="d2", qualifier="以上", status="goal"),
        target("市域产教联合体数量", 2, "个", 2026, doc="d2"),      # other year
        target("市域产教联合体数量", 3, "个", 2025, doc="d2"),      # other value
        target("省级产教融合型企业", 100, "所", 2025, doc="d2"),    # other unit
        target("职教集团数量", 2, "个", 2025, doc="d2"),            # other metric
    ])
    merged = merge_items([d1, d2])
    assert len(merged.targets) == 6
    first = merged.targets[0]
    assert first.metric == "市域产教联合体数量"
    assert first.doc_ids == ["d1", "d2"]
    assert first.qualifier == "以上"
    assert len(first.evidence) == 2


def test_two_figures_of_one_clause_are_not_merged() -> None:
    # "建成2个市域产教联合体、2个市域实践中心": same value, one metric inside the other
    union = target("市域产教联合体", 2, "个", 2025, doc="d1")
    centre = target("市域", 2, "个", 2025, doc="d1").model_copy(update={"evidence": union.evidence})
    merged = merge_items([DocumentExtraction(doc_id="d1", path="a.txt", targets=[union, centre])])
    assert [t.metric for t in merged.targets] == ["市域产教联合体", "市域"]


def test_merge_items_fills_doc_ids_and_keeps_inputs() -> None:
    a = Alliance(name="中原经济区技工教育联盟", evidence=[ev("d9", 0)])
    d = DocumentExtraction(doc_id="d9", path="x.txt", alliances=[a])
    merged = merge_items([d])
    assert merged.alliances[0].doc_ids == ["d9"]
    assert a.doc_ids == []


def test_a_name_written_again_without_its_quoted_insert_is_the_same() -> None:
    from agent.extract.merge import resolve

    assert resolve("长沙“湘智造”智能制造产业学院", "长沙智能制造产业学院")
    # what is left must still be distinctive
    assert not resolve("“对俄经贸”产教融合共同体", "产教融合共同体")
