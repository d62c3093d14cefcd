"""Vocabulary for generated lists: departments by sector, and matter titles built from the reference
province list (registry/demo/example-province-matters.csv) and seed words per category.

A title is 〔场所〕+〔对象〕+〔举措〕 (工业园区 + 危险废物 + 专项执法). Objects carry the two-character words
people search for (秸秆, 扬尘, 污水, 危废 …); category weights follow the reference list, where 大气 and
水 dominate, so each word occurs about as often as it would in a real province.
"""

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "registry" / "demo" / "example-province-matters.csv"

# (sector, province name, city/county name pattern, short pattern). {p} = 省, {c} = the place's name.
SECTORS = [
    ("发展改革", "{p}发展和改革委员会", "{c}发展和改革局", "{c}发展改革局"),
    ("工业和信息化", "{p}工业和信息化厅", "{c}工业和信息化局", "{c}工信局"),
    ("公安", "{p}公安厅", "{c}公安局", "{c}公安局"),
    ("司法行政", "{p}司法厅", "{c}司法局", "{c}司法局"),
    ("财政", "{p}财政厅", "{c}财政局", "{c}财政局"),
    ("自然资源", "{p}自然资源厅", "{c}自然资源和规划局", "{c}自然资源局"),
    ("生态环境", "{p}生态环境厅", "{c}生态环境局", "{c}生态环境局"),
    ("住房城乡建设", "{p}住房和城乡建设厅", "{c}住房和城乡建设局", "{c}住建局"),
    ("交通运输", "{p}交通运输厅", "{c}交通运输局", "{c}交通运输局"),
    ("水利", "{p}水利厅", "{c}水利局", "{c}水利局"),
    ("农业农村", "{p}农业农村厅", "{c}农业农村局", "{c}农业农村局"),
    ("商务", "{p}商务厅", "{c}商务局", "{c}商务局"),
    ("卫生健康", "{p}卫生健康委员会", "{c}卫生健康委员会", "{c}卫健委"),
    ("应急管理", "{p}应急管理厅", "{c}应急管理局", "{c}应急管理局"),
    ("市场监管", "{p}市场监督管理局", "{c}市场监督管理局", "{c}市场监管局"),
    ("能源", "{p}能源局", "{c}能源局", "{c}能源局"),
    ("林草", "{p}林业局", "{c}林业局", "{c}林业局"),
    ("气象", "{p}气象局", "{c}气象局", "{c}气象局"),
    ("教育", "{p}教育厅", "{c}教育局", "{c}教育局"),
    ("科技", "{p}科学技术厅", "{c}科学技术局", "{c}科技局"),
    ("文化和旅游", "{p}文化和旅游厅", "{c}文化和旅游局", "{c}文旅局"),
    ("城市管理", "{p}城市管理综合执法局", "{c}城市管理局", "{c}城管局"),
    ("统计", "{p}统计局", "{c}统计局", "{c}统计局"),
    ("税务", "{p}税务局", "{c}税务局", "{c}税务局"),
    ("国资", "{p}国有资产监督管理委员会", "{c}国有资产监督管理局", "{c}国资局"),
    ("海洋", "{p}海洋局", "{c}海洋局", "{c}海洋局"),
    ("民政", "{p}民政厅", "{c}民政局", "{c}民政局"),
    ("人力资源社会保障", "{p}人力资源和社会保障厅", "{c}人力资源和社会保障局", "{c}人社局"),
    ("审计", "{p}审计厅", "{c}审计局", "{c}审计局"),
    ("体育", "{p}体育局", "{c}体育局", "{c}体育局"),
    ("医疗保障", "{p}医疗保障局", "{c}医疗保障局", "{c}医保局"),
    ("粮食和物资储备", "{p}粮食和物资储备局", "{c}粮食和物资储备局", "{c}粮储局"),
    ("乡村振兴", "{p}乡村振兴局", "{c}乡村振兴局", "{c}乡村振兴局"),
    ("地方金融", "{p}地方金融监督管理局", "{c}地方金融监督管理局", "{c}金融局"),
    ("大数据", "{p}大数据管理局", "{c}大数据管理局", "{c}大数据局"),
    ("机关事务", "{p}机关事务管理局", "{c}机关事务管理局", "{c}机关事务局"),
    ("信访", "{p}信访局", "{c}信访局", "{c}信访局"),
    ("人防", "{p}人民防空办公室", "{c}人民防空办公室", "{c}人防办"),
    ("消防救援", "{p}消防救援总队", "{c}消防救援支队", "{c}消防救援支队"),
    ("邮政", "{p}邮政管理局", "{c}邮政管理局", "{c}邮政局"),
]

# category → (weight, objects, sectors that lead it, sectors that cooperate)
CATEGORIES: dict[str, tuple[int, list[str], list[str], list[str]]] = {
    "大气": (
        22,
        [
            "扬尘",
            "施工扬尘",
            "道路扬尘",
            "秸秆焚烧",
            "餐饮油烟",
            "挥发性有机物",
            "柴油货车",
            "燃煤锅炉",
            "工业炉窑",
            "机动车尾气",
            "臭氧前体物",
            "散煤",
            "烟花爆竹燃放",
            "非道路移动机械",
            "船舶尾气",
            "恶臭气体",
        ],
        ["生态环境", "住房城乡建设", "交通运输", "农业农村", "工业和信息化", "城市管理"],
        ["公安", "市场监管", "商务", "气象", "发展改革", "应急管理"],
    ),
    "水": (
        20,
        [
            "城镇污水",
            "农村生活污水",
            "工业废水",
            "黑臭水体",
            "饮用水水源地",
            "入河排污口",
            "河湖岸线",
            "地下水",
            "畜禽养殖粪污",
            "船舶污水",
            "水产养殖尾水",
            "污水管网",
            "污泥处置",
            "化肥农药",
        ],
        ["生态环境", "住房城乡建设", "水利", "农业农村", "交通运输"],
        ["自然资源", "财政", "发展改革", "卫生健康", "林草"],
    ),
    "土壤": (
        9,
        ["受污染耕地", "建设用地土壤", "重金属", "污染地块", "尾矿库", "农用地土壤", "化工园区地下水", "农膜回收"],
        ["生态环境", "自然资源", "农业农村"],
        ["住房城乡建设", "工业和信息化", "水利", "应急管理"],
    ),
    "固体废物": (
        14,
        [
            "危险废物",
            "危废",
            "医疗废物",
            "生活垃圾",
            "建筑垃圾",
            "塑料污染",
            "废铅蓄电池",
            "工业固废",
            "电子废物",
            "秸秆综合利用",
            "厨余垃圾",
            "快递包装",
            "废旧动力电池",
            "再生资源",
        ],
        ["生态环境", "住房城乡建设", "卫生健康", "商务", "发展改革", "城市管理"],
        ["公安", "交通运输", "市场监管", "邮政", "工业和信息化"],
    ),
    "生态": (
        12,
        [
            "自然保护地",
            "湿地",
            "生态保护红线",
            "森林资源",
            "野生动植物",
            "水土流失",
            "废弃矿山",
            "生物多样性",
            "外来入侵物种",
            "草原",
            "古树名木",
            "河湖生态流量",
        ],
        ["林草", "自然资源", "生态环境", "水利"],
        ["农业农村", "公安", "文化和旅游", "市场监管"],
    ),
    "噪声": (
        6,
        ["施工噪声", "交通噪声", "社会生活噪声", "工业噪声", "夜间施工噪声", "广场舞噪声"],
        ["生态环境", "住房城乡建设", "公安", "交通运输", "城市管理"],
        ["文化和旅游", "市场监管"],
    ),
    "应对气候变化": (
        7,
        ["碳排放", "能耗双控", "可再生能源", "绿色建筑", "新能源汽车", "甲烷排放", "碳汇", "节能降耗"],
        ["发展改革", "生态环境", "能源", "住房城乡建设", "工业和信息化"],
        ["统计", "财政", "交通运输", "林草", "国资"],
    ),
    "综合": (
        10,
        [
            "生态环境专项资金",
            "环境执法",
            "生态环境损害赔偿",
            "环评审批",
            "排污许可",
            "环境监测",
            "环境信用评价",
            "环境信息公开",
            "核与辐射安全",
            "生态环境教育",
        ],
        ["生态环境", "财政", "司法行政", "发展改革", "审计", "教育"],
        ["公安", "税务", "地方金融", "大数据", "科技", "统计"],
    ),
}

PLACES = [
    "城区",
    "农村",
    "工业园区",
    "重点流域",
    "城乡结合部",
    "乡镇",
    "港口码头",
    "高速公路沿线",
    "风景名胜区",
    "经济开发区",
    "矿区",
    "重点行业",
    "中心城区",
    "饮用水源周边",
    "学校周边",
    "居民小区",
    "交通干线",
    "集中式",
]
ACTIONS = [
    "综合整治",
    "排查整治",
    "监督管理",
    "源头防控",
    "专项执法",
    "长效管理",
    "巡查管控",
    "资源化利用",
    "规范化建设",
    "在线监测",
    "风险管控",
    "信息公开",
    "应急处置",
    "台账管理",
    "联合检查",
    "执法监督",
    "溯源治理",
    "达标排放",
    "提标改造",
    "日常监管",
    "网格化管理",
    "考核评估",
]
RESPONSIBILITY = [
    "督促相关单位落实{o}防治措施，依法查处违法行为。",
    "组织开展{o}排查，建立问题清单并督促整改到位。",
    "会同有关部门制定{o}工作方案，定期调度推进情况。",
    "加强{o}日常监管，将检查结果纳入年度考核。",
    "推进{o}治理设施建设和运行维护，保障资金投入。",
]
DUTY_TEMPLATES = [
    "负责本行业领域{c}污染防治的监督管理，落实“管行业必须管环保”要求。",
    "会同有关部门做好{c}相关规划、标准的组织实施，定期报告工作进展。",
    "负责{c}方面突出生态环境问题整改，建立工作台账并按时销号。",
]


@dataclass(frozen=True)
class Reference:
    title: str
    category: str
    description: str
    basis: str


def reference_rows() -> list[Reference]:
    with REFERENCE.open(encoding="utf-8-sig", newline="") as f:
        return [Reference(r["具体事项"], r["事项类别"], r["责任内容"], r["依据"]) for r in csv.DictReader(f)]


def basis_pool() -> list[str]:
    texts = {r.basis for r in reference_rows() if r.basis}
    return sorted({m for t in texts for m in re.findall(r"《[^》]+》[^《；;，,、]*", t)})


class TitleMaker:
    """Distinct matter titles for one jurisdiction: the reference titles first, then combinations."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.references = reference_rows()
        self.categories = list(CATEGORIES)
        self.weights = [CATEGORIES[c][0] for c in self.categories]

    def titles(self, n: int) -> list[tuple[str, str, str]]:
        """n (category, title, description) triples with distinct titles."""
        out: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for r in self.references[: min(n, len(self.references))]:
            out.append((r.category, r.title, r.description))
            seen.add(r.title)
        # ~35k combinations: a list longer than a few thousand rows (the 100k-row import file) also
        # names the town (乡镇), as county lists do.
        towns = [a + b + "镇" for a in "东西南北上下新老石桥" for b in "关塘营集湾坝堡店铺庄"] if n > 5000 else [""]
        while len(out) < n:
            category = self.rng.choices(self.categories, self.weights)[0]
            obj = self.rng.choice(CATEGORIES[category][1])
            title = self.rng.choice(towns) + self.rng.choice(PLACES) + obj + self.rng.choice(ACTIONS)
            if title in seen:
                continue
            seen.add(title)
            out.append((category, title, self.rng.choice(RESPONSIBILITY).format(o=obj)))
        return out
