"""The demo's indicators as tables (registry/demo/targets/build.py enters them): 示例省, 江川市 and 云岭市
each carry six indicators of their 14th five-year plan for the ecological environment, modelled on a
city's plan (seed 004: PM2.5 ≤ 28 微克/立方米, 优良天数比率 91.5 %, 市控断面Ⅲ类以上 100 %, 重点建设用地安全利用率
≥ 96 %, 农村生活污水治理行政村覆盖率, 城镇生活垃圾资源化利用率, 声环境功能区夜间达标率), baseline 2020, target 2025.

Outcomes vary on purpose: on track, behind (进度滞后) in some years, met, met with the stretch value, 未达标
in 2025 (江川市's good-air-day ratio, the province's garbage recycling), a year without data (江川市 2022
land survey; 云岭市's 2025 one still pending), and the province's PM2.5 month by month in 2026
(cumulative). The province's figures agree with what the demo's annual reports say (PM2.5 29.1 and
27.5, 优良天数比率 90.8 % and 92.3 %, 国考断面 93.7 % and 95.2 %, 受污染耕地安全利用率 93.4 %).
"""

from dataclasses import dataclass, field
from datetime import date

ACTOR = "演示数据"  # for 云岭市, which has no demo users
BASELINE, TARGET = 2020, 2025
YEARS = range(2021, 2026)
LOCKED = range(2021, 2025)  # 2025 stays open: its values are 初步数据
MONTHLY_YEAR = 2026
MONITORED = "监测数据"


@dataclass(frozen=True)
class Spec:
    name: str
    unit: str
    direction: str  # lower / higher
    binding: str  # binding / expected
    baseline: float
    target: float
    lead: str  # the department's full or short name
    values: dict[int, float]  # by year; a year left out has no data
    source: str
    stretch: float | None = None
    matters: tuple[str, ...] = ()  # words of the titles of the jurisdiction's matters it belongs to
    description: str = ""
    notes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    code: str
    office: str  # the office's username (or ACTOR)
    plan: tuple[str, str, str, date]  # title, 文号, issuer, date
    specs: tuple[Spec, ...]
    recorders: dict[str, str]  # lead department name → the username that records its values


PM25 = "细颗粒物（PM2.5）平均浓度"
GOOD_AIR = "空气质量优良天数比率"
LAND = "重点建设用地安全利用率"
PM25_NOTE = "按《环境空气质量标准》（GB 3095—2012）评价，扣除沙尘天气影响。"
GOOD_AIR_NOTE = "按《环境空气质量指数（AQI）技术规定》评价，优良天数占有效监测天数的比例。"
LAND_NOTE = "安全利用的重点建设用地面积占重点建设用地总面积的比例，按年度土壤污染状况调查评估结果核算。"
RURAL_SEWAGE = "农村生活污水治理行政村覆盖率"
GARBAGE = "城镇生活垃圾资源化利用率"
PRELIMINARY = "初步数据，待年度生态环境状况公报发布后核定。"

PROVINCE = Place(
    code="990000",
    office="province_office",
    plan=("示例省生态环境保护“十四五”规划", "示政办发〔2021〕36号", "示例省人民政府办公厅", date(2021, 6, 28)),
    recorders={"省生态环境厅": "sthj_editor", "省农业农村厅": "nync_head", "省住房和城乡建设厅": "zjt_head"},
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            33.0,
            28.0,
            "省生态环境厅",
            {2021: 31.8, 2022: 30.9, 2023: 30.6, 2024: 29.1, 2025: 27.5},
            MONITORED,
            stretch=25.0,
            matters=("重污染天气应急应对", "挥发性有机物综合治理"),
            description="设区城市平均。" + PM25_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            89.0,
            91.5,
            "省生态环境厅",
            {2021: 90.2, 2022: 88.7, 2023: 90.6, 2024: 90.8, 2025: 92.3},
            MONITORED,
            stretch=93.0,
            matters=("重污染天气应急应对",),
            description="设区城市平均。" + GOOD_AIR_NOTE,
            notes={2022: "夏秋季臭氧污染偏重，优良天数比率同比下降。", 2025: PRELIMINARY},
        ),
        Spec(
            "地表水国控断面水质优良（达到或好于Ⅲ类）比例",
            "%",
            "higher",
            "binding",
            91.0,
            95.0,
            "省生态环境厅",
            {2021: 92.1, 2022: 93.0, 2023: 93.5, 2024: 93.7, 2025: 95.2},
            MONITORED,
            matters=("入河入海排污口设置管理", "城镇污水处理设施及配套管网建设"),
            description="全省国家地表水考核断面中，水质达到或好于Ⅲ类的断面所占比例。",
            notes={2025: PRELIMINARY},
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            92.0,
            96.0,
            "省生态环境厅",
            {2021: 93.0, 2023: 95.1, 2024: 96.3, 2025: 97.0},
            "调查评估",
            matters=("建设用地土壤污染风险管控和修复名录", "污染地块再开发利用准入管理"),
            description=LAND_NOTE + "2022年全省土壤污染状况详查成果集成，未单独开展年度评估。",
        ),
        Spec(
            "受污染耕地安全利用率",
            "%",
            "higher",
            "binding",
            91.0,
            93.0,
            "省农业农村厅",
            {2021: 91.5, 2022: 92.0, 2023: 92.6, 2024: 92.9, 2025: 93.4},
            "调查评估",
            matters=("受污染耕地安全利用和严格管控",),
            description="实现安全利用的受污染耕地面积占受污染耕地总面积的比例。",
        ),
        Spec(
            GARBAGE,
            "%",
            "higher",
            "expected",
            85.0,
            100.0,
            "省住房和城乡建设厅",
            {2021: 88.0, 2022: 91.0, 2023: 93.5, 2024: 95.0, 2025: 97.8},
            "统计公报",
            matters=("生活垃圾分类",),
            description="城镇生活垃圾中经焚烧发电、回收利用、生化处理等资源化处理的比例。",
            notes={2025: "部分县城焚烧处理设施尚未投运，原生垃圾仍有少量填埋。"},
        ),
    ),
)

JIANGCHUAN = Place(
    code="990100",
    office="jiangchuan_office",
    plan=("江川市生态环境保护“十四五”规划", "江川政办发〔2021〕27号", "江川市人民政府办公室", date(2021, 8, 16)),
    recorders={
        "江川市生态环境局": "jcsthjj_head",
        "江川市农业农村局": "jcnyj_head",
        "江川市住房和城乡建设局": "jczjj_head",
    },
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            34.0,
            28.0,
            "江川市生态环境局",
            {2021: 32.5, 2022: 31.0, 2023: 29.8, 2024: 28.4, 2025: 25.8},
            MONITORED,
            stretch=26.0,
            matters=("城区餐饮油烟污染治理", "秸秆禁烧网格化巡查"),
            description=PM25_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            87.4,
            91.5,
            "江川市生态环境局",
            {2021: 88.9, 2022: 87.6, 2023: 90.1, 2024: 90.3, 2025: 89.6},
            MONITORED,
            matters=("秸秆禁烧网格化巡查",),
            description=GOOD_AIR_NOTE,
            notes={2025: "臭氧超标天数增加，未完成规划目标。" + PRELIMINARY},
        ),
        Spec(
            "地表水市控断面达到或好于Ⅲ类水体比例",
            "%",
            "higher",
            "binding",
            90.0,
            100.0,
            "江川市生态环境局",
            {2021: 90.0, 2022: 95.0, 2023: 95.0, 2024: 100.0, 2025: 100.0},
            MONITORED,
            matters=("城市内河黑臭水体长治久清",),
            description="全市20个市控断面中，水质达到或好于Ⅲ类的断面所占比例。",
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            93.0,
            96.0,
            "江川市生态环境局",
            {2021: 94.0, 2023: 96.5, 2024: 97.0, 2025: 98.0},
            "调查评估",
            matters=("工业遗留地块调查评估",),
            description=LAND_NOTE + "2022年开展全市重点行业企业用地调查成果集成，未单独开展年度评估。",
        ),
        Spec(
            RURAL_SEWAGE,
            "%",
            "higher",
            "expected",
            78.0,
            100.0,
            "江川市农业农村局",
            {2021: 82.5, 2022: 87.0, 2023: 91.4, 2024: 95.6, 2025: 100.0},
            "统计公报",
            description="生活污水得到有效治理的行政村占行政村总数的比例。",
        ),
        Spec(
            GARBAGE,
            "%",
            "higher",
            "expected",
            90.0,
            100.0,
            "江川市住房和城乡建设局",
            {2021: 93.0, 2022: 96.5, 2023: 100.0, 2024: 100.0, 2025: 100.0},
            "统计公报",
            description="城镇生活垃圾中经焚烧发电、回收利用、生化处理等资源化处理的比例。",
        ),
    ),
)

YUNLING = Place(
    code="990200",
    office=ACTOR,
    plan=("云岭市生态环境保护“十四五”规划", "云岭政办发〔2021〕41号", "云岭市人民政府办公室", date(2021, 9, 3)),
    recorders={},
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            29.0,
            25.0,
            "云岭市生态环境局",
            {2021: 27.6, 2022: 26.1, 2023: 24.8, 2024: 25.3, 2025: 24.1},
            MONITORED,
            stretch=22.0,
            matters=("城区餐饮油烟污染治理", "秸秆禁烧网格化巡查"),
            description=PM25_NOTE,
            notes={2024: "受区域传输和不利气象条件影响，同比上升0.5微克/立方米。", 2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            93.2,
            95.0,
            "云岭市生态环境局",
            {2021: 94.0, 2022: 95.3, 2023: 93.8, 2024: 94.9, 2025: 95.6},
            MONITORED,
            matters=("秸秆禁烧网格化巡查",),
            description=GOOD_AIR_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            "地表水市控断面达到或好于Ⅲ类水体比例",
            "%",
            "higher",
            "binding",
            87.5,
            100.0,
            "云岭市生态环境局",
            {2021: 87.5, 2022: 93.8, 2023: 93.8, 2024: 93.8, 2025: 100.0},
            MONITORED,
            matters=("城市内河黑臭水体长治久清",),
            description="全市16个市控断面中，水质达到或好于Ⅲ类的断面所占比例。",
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            95.0,
            96.0,
            "云岭市生态环境局",
            {2021: 95.5, 2022: 96.0, 2023: 96.0, 2024: 97.2},
            "调查评估",
            matters=("工业遗留地块调查评估",),
            description=LAND_NOTE + "2025年度评估结果尚未出具。",
        ),
        Spec(
            "声环境功能区夜间达标率",
            "%",
            "higher",
            "expected",
            76.5,
            85.0,
            "云岭市生态环境局",
            {2021: 78.0, 2022: 80.2, 2023: 81.0, 2024: 83.5, 2025: 85.4},
            MONITORED,
            description="各类声环境功能区夜间监测点次达标的比例。",
        ),
        Spec(
            RURAL_SEWAGE,
            "%",
            "higher",
            "expected",
            70.0,
            95.0,
            "云岭市农业农村局",
            {2021: 74.2, 2022: 79.5, 2023: 85.3, 2024: 90.6, 2025: 95.1},
            "统计公报",
            description="生活污水得到有效治理的行政村占行政村总数的比例（山区分散村落以资源化利用计）。",
        ),
    ),
)

PLACES = (PROVINCE, JIANGCHUAN, YUNLING)
# The province's PM2.5 month by month in 2026: 1—N月累计均值.
MONTHLY = (38.6, 36.9, 34.2, 31.5, 29.3, 27.4, 25.9, 25.0, 24.6, 24.9, 25.8, 27.1)

REPORT_YEAR = 2024
REPORT_NUMBER = "示政〔2025〕12号"
REPORT_BODY = (
    "<p>2024年，全省上下深入贯彻习近平生态文明思想，统筹推进污染防治攻坚和生态保护修复，"
    "全省生态环境质量总体保持稳定、持续改善。</p>"
    "<p>大气环境方面，设区城市细颗粒物（PM2.5）平均浓度29.1微克/立方米，同比下降1.5微克/立方米；"
    "优良天数比率90.8%，同比上升0.2个百分点，但受夏秋季臭氧污染影响，两项指标均略慢于序时进度。"
    "水环境方面，国控断面水质优良比例93.7%。土壤环境方面，重点建设用地安全利用率96.3%，提前完成规划目标；"
    "受污染耕地安全利用率92.9%。城镇生活垃圾资源化利用率95.0%，部分县城焚烧处理设施建设滞后，"
    "进度慢于规划要求。</p>"
    "<p>2025年，省人民政府将聚焦臭氧和细颗粒物协同控制、县城生活垃圾焚烧处理设施建设等薄弱环节，"
    "压实牵头部门责任，确保“十四五”规划目标全面完成。</p>"
)
