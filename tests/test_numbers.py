"""Tests for agent.text.numbers (most cases are phrases copied from seeds/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.text.numbers import (
    Quantity,
    find_quantities,
    numbers_in,
    parse_amount,
    parse_change,
    parse_date,
    parse_deadline_year,
    unsupported_numbers,
    written_year,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# (phrase, value, unit, qualifier, high) -- all from the seed articles
AMOUNTS: list[tuple[str, float, str | None, str | None, float | None]] = [
    ("3.19億元", 319_000_000, "CNY", None, None),
    ("4.33万人", 43_300, "persons", None, None),
    ("50余所", 50, "所", "余", None),
    ("近400家", 400, "家", "近", None),
    ("300余人", 300, "persons", "余", None),
    ("20余萬", 200_000, None, "余", None),
    ("10個", 10, "个", None, None),
    ("100多名", 100, "persons", "多", None),
    ("1平方公里", 1, "平方公里", None, None),
    ("47億元", 4_700_000_000, "CNY", None, None),
    ("3-5年后", 3, "年", None, 5),
    ("百億元", 10_000_000_000, "CNY", None, None),
    ("1301个", 1301, "个", None, None),
    ("34050个", 34050, "个", None, None),
    ("15万余人", 150_000, "persons", "余", None),
    ("近百人", 100, "persons", "近", None),
    ("上億元", 100_000_000, "CNY", "上", None),
    ("12萬人次", 120_000, "person-times", None, None),
    ("1000多戶", 1000, "户", "多", None),
    ("7萬余次", 70_000, "次", "余", None),
    ("百萬人次", 1_000_000, "person-times", None, None),
    ("17支", 17, "支", None, None),
    ("100余項", 100, "项", "余", None),
    ("150多個", 150, "个", "多", None),
    ("6.73万", 67_300, None, None, None),
    ("18大类", 18, "类", None, None),
    ("至少累计1个月", 1, "月", "至少", None),
    ("不低于正在校生界限两倍", 2, "倍", "不低于", None),
    ("超22.1万亿元", 22_100_000_000_000, "CNY", "超", None),
    ("100%", 100, "%", None, None),
    ("3000元", 3000, "CNY", None, None),
    ("16名学生", 16, "persons", None, None),
    # general (not from the seeds)
    ("约1,500人", 1500, "persons", "约", None),
    ("逾3000名", 3000, "persons", "逾", None),
    ("400家以上", 400, "家", "以上", None),
    ("10-20万人", 100_000, "persons", None, 200_000),
    ("三至五年", 3, "年", None, 5),
    ("百分之三十", 30, "%", None, None),
    ("5个百分点", 5, "百分点", None, None),
    ("达20余萬", 200_000, None, "余", None),
    ("300余万人", 3_000_000, "persons", "余", None),
    ("不少于两百学时", 200, "学时", "不少于", None),
]


@pytest.mark.parametrize(("phrase", "value", "unit", "qualifier", "high"), AMOUNTS)
def test_parse_amount(
    phrase: str, value: float, unit: str | None, qualifier: str | None, high: float | None
) -> None:
    q = parse_amount(phrase)
    assert q is not None
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert q.qualifier == qualifier
    assert (q.high is None) if high is None else q.high == pytest.approx(high)
    assert phrase[q.start : q.end] == q.raw


@pytest.mark.parametrize("phrase", ["", "产教融合共同体", "一体两翼", "第一届理事会", "5G网络"])
def test_parse_amount_none(phrase: str) -> None:
    assert parse_amount(phrase) is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "至此,哈市產教融合共同體發展壯大到10個,共吸納中高職、本科院校50余所,規模以上企業近400家",
            [
                ("10個", 10.0, "个", None),
                ("50余所", 50.0, "所", "余"),
                ("近400家", 400.0, "家", "近"),
            ],
        ),
        (
            "省內14個市、中原經濟區13個市人社局負責同志等300余人齊聚一堂",
            [
                ("14個", 14.0, "个", None),
                ("13個", 13.0, "个", None),
                ("300余人", 300.0, "persons", "余"),
            ],
        ),
        (
            "當地支柱工業閉連專業點由39個增長至92個",
            [("39個", 39.0, "个", None), ("92個", 92.0, "个", None)],
        ),
        (
            "牽頭院校、企業為三個共同體揭牌",
            [("三個", 3.0, "个", None)],
        ),
        (
            "2023年,我市糧食增量排名全省第一,9個縣(市)中職學校全部入選",
            [("9個", 9.0, "个", None)],
        ),
        (
            "“政院校行企社”六位一體全面推進",
            [],
        ),
        (
            "2024-05-17 22:51:08 浏览次数",
            [],
        ),
    ],
)
def test_find_quantities(
    sentence: str, expected: list[tuple[str, float, str | None, str | None]]
) -> None:
    got = find_quantities(sentence)
    assert [(q.raw, q.value, q.unit, q.qualifier) for q in got] == expected
    for q in got:
        assert sentence[q.start : q.end] == q.raw


def test_find_quantities_offsets_in_seed_file() -> None:
    text = (SEEDS / "003_dabb0bdaedc4487d.txt").read_text(encoding="utf-8")
    qs = find_quantities(text)
    assert all(text[q.start : q.end] == q.raw for q in qs)
    raws = {q.raw for q in qs}
    assert {"3.19億元", "47億元", "百億元", "上億元", "12萬人次", "3-5年"} <= raws
    assert all(isinstance(q, Quantity) for q in qs)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("到2025年,各校年均展开社会培训人次不低于正在校生界限两倍", 2025),  # seed
        ("至2025年", 2025),
        ("2025年前建成", 2025),
        ("到二〇二五年", 2025),
        ("到2025年底", 2025),
        ("2023—2025年行动计划", 2025),
        ("2023年,我市糧食增量排名全省第一", None),  # seed, plain year
        ("2021年第一届职普融通班16名学生已于2023 年插手升学测验", None),  # seed
        ("截至2023年底", None),
        ("2023年前三季度经济数据", None),
        ("专业点由39个增长至92个", None),
    ],
)
def test_parse_deadline_year(text: str, year: int | None) -> None:
    assert parse_deadline_year(text) == year


@pytest.mark.parametrize(
    ("text", "default_year", "iso"),
    [
        ("6月12日,中原經濟區技工教育聯盟成立大會在冀南技師學院舉辦", None, "--06-12"),  # seed
        ("6月12日下午", 2023, "2023-06-12"),  # seed
        ("11月10日上午,在绍兴滨海新区管委会", None, "--11-10"),  # seed
        ("2024-05-17 22:51:08", None, "2024-05-17"),  # seed
        ("2023年底前,正在“部省共建”战略协议指引下", None, "2023"),
        ("2023年11月15日,随着海外流动性压力预期缓解", None, "2023-11-15"),  # seed
        ("2023年", None, "2023"),
        ("2023年底", None, "2023"),
        ("2023年6月", None, "2023-06"),
        ("二〇二三年十一月十日", None, "2023-11-10"),
        ("本年4月", 2024, "2024-04"),
        ("11日,2023年哈爾濱市職業教育活動周", None, "2023"),  # seed: 11日 alone is skipped
        ("11日", None, None),
        ("没有日期", None, None),
    ],
)
def test_parse_date(text: str, default_year: int | None, iso: str | None) -> None:
    assert parse_date(text, default_year=default_year) == iso


def test_numbers_in_folds_and_keeps_raw() -> None:
    nums = numbers_in("哈尔滨市属一般中专43所,正在校生4.33万人")
    assert {43.0, 4.33, 43300.0} <= nums
    assert {2024.0, 5.0, 17.0} <= numbers_in("2024-05-17 22:51:08")
    assert 2023.0 in numbers_in("二〇二三年")


@pytest.mark.parametrize(
    ("answer", "quotes", "unsupported"),
    [
        # supported: 43300 == 4.33万, traditional quotes, list and citation markers ignored
        (
            "1. 在校生43300人，中职43所[1]\n2. 2023年吸纳院校50余所【2】",
            ["正在校生4.33萬人", "一般中專43所", "2023年底", "共吸納中高職、本科院校50余所"],
            [],
        ),
        ("近三年投入资金3.19亿元", ["近三年,共為全市中職學校投入資金3.19億元。"], []),
        ("三个共同体", ["牽頭院校、企業為三個共同體揭牌"], []),
        ("3个共同体", ["牽頭院校、企業為三個共同體揭牌"], []),
        ("专业点由39个增长至92个", ["专业点由39个增长至92个"], []),
        ("11月10日成立", ["11月10日上午,在绍兴滨海新区管委会"], []),
        # unsupported
        ("在校生4.5万人", ["正在校生4.33萬人"], ["4.5万人"]),
        ("2024年揭牌三个共同体", ["牽頭院校、企業為三個共同體揭牌"], ["2024"]),
        ("吸纳院校60余所", ["共吸納中高職、本科院校50余所"], ["60余所"]),
        ("3-6年后营收可达百亿元", ["3-5年后營收可達百億元"], ["3-6年"]),
        ("第五届理事会", ["聯盟第一屆理事會"], ["第五"]),
        ("营收上百亿元", [], ["上百亿元"]),
    ],
)
def test_unsupported_numbers(answer: str, quotes: list[str], unsupported: list[str]) -> None:
    assert unsupported_numbers(answer, quotes) == unsupported


def test_parse_change() -> None:
    res = parse_change("从2021年的16人繁荣到2023年的46人")  # seed
    assert res is not None
    before, after = res
    assert (before.value, after.value, after.unit) == (16.0, 46.0, "persons")
    assert parse_change("共吸纳院校50余所") is None


def test_yuanyue_is_january_but_not_after_an_amount() -> None:
    assert parse_date("教育部办公厅于元月3日印发", default_year=2023) == "2023-01-03"
    assert parse_date("人均500万元月均增长", default_year=2023) is None


def test_a_date_is_supported_as_a_date_not_as_two_numbers() -> None:
    from agent.text.numbers import month_days, unsupported_dates

    assert month_days("7月24日至31日，全体中层干部参加培训") == {(7, 24), (7, 31)}
    quote = "在第九个“7·15世界青年技能日”到来之际，活动今天在实训中心举行"
    assert unsupported_dates("活动是9月15日举行的", [quote]) == ["9月15日"]  # 九 and 15 are there
    assert unsupported_dates("活动7月15日举行", [quote], [(7, 15)]) == []  # the day 今天 names
    assert unsupported_dates("培训7月31日结束", ["7月24日至31日举办"]) == []


@pytest.mark.parametrize(("text", "year"), [
    ("7月19日，在举行的2023年上半年工业和信息化发展情况新闻发布会上获悉。", 2023),
    # deadlines are not the year of writing; a period up to a date is
    ("到2025年建成10个基地，至2035年全面建成。截至2022年底已建成6个。", 2022),
    ("2022年招生1000人，2023年招生1200人，2023年将新建两个专业。", 2023),
    ("2022年、2023年各一次。", 2023),  # a tie: the later
    ("6月12日，某联盟成立。", None),
])
def test_the_year_a_report_is_written_in(text: str, year: int | None) -> None:
    assert written_year(text) == year
