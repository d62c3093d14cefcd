"""The demo's complaints in 江川市, one story each: where, about what, and what its departments did, on
which working day after it came in (`start`: n working days before today, or a fixed day in 2025).
Who acts: jcnyj_head (农业农村局), jcsthjj_head (生态环境局, the 12369 desk), jczjj_head (住房和城乡建设局),
jiangchuan_office.
"""

from datetime import date

from sqlalchemy import select

from registry.complaints.models import Complaint, Rating
from registry.demo.complaints import JIANGCHUAN, _Demo
from registry.extensions import db

SATISFIED, UNSATISFIED = Rating.SATISFIED, Rating.UNSATISFIED

# The field three people reported (重复举报): the first, a repeat being handled, a new repeat.
STRAW_FIELD = "石桥镇柳湾村村北麦田"


def _code(code: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.code == code))


def tell(demo: _Demo) -> None:
    _recent(demo)
    _year_2025(demo)


def _recent(demo: _Demo) -> None:
    back = demo.back
    if s := demo.story(
        "G6S4B3DH3M",
        JIANGCHUAN,
        "秸秆禁烧网格化巡查",
        start=back(32),
        at="18:10",
        place=STRAW_FIELD,
        happened_time="傍晚六点左右",
        description="柳湾村村北的麦田里有人把收割后的秸秆堆起来点火烧，烟很大，整个村子都是烟味，孩子咳嗽得厉害。",
        contact={"name": "刘女士", "phone": "13800000101"},
        photos=("smoke", "ash"),
    ):
        s.accept(1, "jcnyj_head")
        s.note(
            2,
            "jcsthjj_head",
            "我局调取了石桥镇秸秆焚烧视频监控，当晚18时05分在柳湾村北侧发现火点，截图已发农业农村局，供核查时参考。",
        )
        s.publish_photo(3, "jcnyj_head", 2)
        s.answer(
            8,
            "jcnyj_head",
            "经石桥镇网格员和我局执法人员现场核查，反映情况属实。焚烧秸秆的村民已被批评教育并处以罚款，"
            "现场明火已扑灭。石桥镇已在柳湾村增派网格员夜间巡查，并联系秸秆收储企业上门打捆回收。",
        )
        s.rate(10, SATISFIED, "处理得很快，现在村里没人烧了。")

    first = _code("G6S4B3DH3M")
    if s := demo.story(
        "U3PG4JNBJX",
        JIANGCHUAN,
        "秸秆禁烧网格化巡查",
        start=back(6),
        at="07:50",
        place=STRAW_FIELD + "（靠近水泥路）",
        happened_time="清晨",
        description="柳湾村北边麦田又有人烧秸秆了，早上起来满地黑灰，上个月刚处理过。",
        repeat_of=first,
    ):
        s.accept(1, "jcnyj_head", at="08:50")

    demo.story(  # new, within its 受理 deadline
        "KJF9Y2M7KW",
        JIANGCHUAN,
        "秸秆禁烧网格化巡查",
        start=back(1),
        at="19:40",
        place="柳湾村村北麦田",
        happened_time="傍晚七点多",
        description="柳湾村村北麦田傍晚又在烧秸秆，火很大，风往村里吹，请尽快派人来看看。",
        contact={"name": "刘女士", "phone": "13800000101"},
        photos=("smoke",),
        repeat_of=first,
    )

    demo.story(  # new, past its 受理 deadline
        "T4SK7TABWD",
        JIANGCHUAN,
        "城区餐饮油烟污染治理",
        start=back(6),
        at="21:15",
        place="城关街道人民路88号（一楼烧烤店）",
        happened_time="每天晚上六点到凌晨一点",
        description="楼下烧烤店没有装油烟净化器，油烟顺着墙往上冒，我家住三楼，窗户一开全是油烟味，衣服都不能晾。",
        contact={"name": "周先生", "phone": "13800000102"},
    )

    if s := demo.story(
        "DQAQ75AHDN",
        JIANGCHUAN,
        "城区餐饮油烟污染治理",
        start=back(2),
        at="12:30",
        place="城关街道东门河锦绣花园段",
        happened=1,
        happened_time="最近一周，雨后更明显",
        description="东门河这一段河水发黑发臭，河边几家餐馆的污水管好像直接接进了河里，水面上漂着一层油。",
        contact={"name": "吴先生", "phone": "13800000103", "email": "wu@example.com"},
        photos=("water",),
    ):
        s.transfer(
            1,
            "jcsthjj_head",
            "江川市住房和城乡建设局",
            "城市内河黑臭水体长治久清",
            "反映的是东门河河道黑臭和沿河排水管错接问题，属城市内河黑臭水体治理，由市住房和城乡建设局牵头；"
            "餐馆油烟另由我局检查。",
        )

    if s := demo.story(
        "VEMGKGKXZQ",
        JIANGCHUAN,
        None,
        start=back(16),
        at="09:05",
        place="城关街道农贸市场西侧排水沟",
        happened=None,
        happened_time="常年，夏天最严重",
        description="农贸市场旁边的排水沟常年发黑发臭，夏天蚊蝇很多，附近居民意见很大。不知道该找哪个部门。",
        contact={"name": "郑女士", "phone": "13800000104"},
    ):
        s.transfer(
            1,
            "jcsthjj_head",
            "江川市住房和城乡建设局",
            "城市内河黑臭水体长治久清",
            "该排水沟属城市排水系统，汇入东门河，黑臭整治由市住房和城乡建设局牵头。",
            at="09:30",
        )
        s.accept(2, "jczjj_head")
        s.note(
            5,
            "jcsthjj_head",
            "我局已对排水沟三个断面取样监测，氨氮超过地表水Ⅴ类标准约4倍，监测报告已共享。",
        )
        s.ask_extension(
            14,
            "jczjj_head",
            "排水沟上游有多处雨污混接点，需会同水利部门逐段溯源，并等待监测复核结果，申请延期15个工作日。",
        )

    if s := demo.story(
        "6Q2FHJ98FA",
        JIANGCHUAN,
        "工业遗留地块调查评估",
        start=back(24),
        at="14:20",
        place="江北工业区原江川化工厂旧址",
        happened=2,
        happened_time="最近几天开挖以后",
        description="原化工厂旧址正在开挖，挖出来的土有很刺鼻的化学气味，工地没有任何遮盖，旁边就是小学。",
        contact={"name": "陈先生", "email": "chen@example.com"},
    ):
        s.accept(2, "jcsthjj_head")  # and no reply yet: past its reply deadline

    if s := demo.story(
        "M8F39S55R3",
        JIANGCHUAN,
        "农村饮用水水源地规范化建设",
        start=back(19),
        at="16:45",
        place="青龙镇青龙水库一级保护区东岸",
        happened_time="每逢周末",
        description="青龙水库一级保护区里有人搭棚子钓鱼、烧烤，垃圾直接扔在岸边，这是全镇的饮用水源。",
        contact={"name": "王先生", "phone": "13800000105"},
    ):
        s.accept(1, "jcsthjj_head")
        s.note(8, "jcnyj_head", "水库东岸的两处垂钓棚是附近村民所建，我局已通知青龙镇农业服务中心配合劝离。")
        s.ask_extension(
            12,
            "jcsthjj_head",
            "保护区隔离防护设施需与水利局共同设计施工，违建棚子的拆除需镇政府组织，申请延期。",
        )
        s.grant_extension(13, "jiangchuan_office", "同意延期。请于延期期限内完成隔离网建设并答复举报人。")

    if s := demo.story(
        "TSBNBYWPWR",
        JIANGCHUAN,
        "城区餐饮油烟污染治理",
        start=back(55),
        at="20:05",
        place="城关街道步行街12号火锅店",
        happened_time="每天中午和晚上营业时",
        description="步行街一家火锅店的油烟管道直接通到后巷，油烟熏得楼上住户没法开窗。",
        contact={"name": "孙女士", "phone": "13800000106"},
    ):
        s.accept(1, "jcsthjj_head")
        s.answer(
            20,
            "jcsthjj_head",
            "经现场检查，该火锅店油烟净化设施未正常运行，我局已责令其限期整改。店家已更换油烟净化器并将排烟口"
            "改至楼顶，复查时油烟排放浓度符合标准。",
        )  # late: the reply was due on the 16th working day

    if s := demo.story(
        "75TJJWAV2G",
        JIANGCHUAN,
        "城市内河黑臭水体长治久清",
        start=back(30),
        at="08:40",
        place="护城河西门桥至南门桥段",
        happened_time="整治完成后又出现",
        description="护城河去年整治过，最近西门桥到南门桥这段又开始发黑发臭，早上散步能闻到很重的臭味。",
        contact={"name": "赵先生", "phone": "13800000107"},
    ):
        s.accept(2, "jczjj_head")
        s.answer(
            15,
            "jczjj_head",
            "经排查，西门桥附近一处截污井堵塞导致污水溢流，已完成清淤疏通，河道水质监测已恢复达标。",
        )
        s.rate(18, UNSATISFIED, "回复说已经疏通，但这几天河水还是臭的，希望再来看看。")

    if s := demo.story(
        "SFRKVGBZUP",
        JIANGCHUAN,
        None,
        start=back(9),
        at="22:10",
        place="城关街道翠苑小区5栋",
        happened_time="每天早上八点到晚上",
        description="楼上邻居装修，每天电钻、电锤响个不停，周末也不停，家里老人休息不好。",
        contact={"name": "钱女士", "phone": "13800000108"},
    ):
        s.reject(
            1,
            "jcsthjj_head",
            "您反映的是居民住宅装修噪声，属社会生活噪声，依法由公安机关处理。请拨打110或向江川市公安局反映，"
            "也可请小区物业依照管理规约劝阻。",
            "江川市公安局",
        )


def _year_2025(demo: _Demo) -> None:
    """Closed in 2025, for that year's figures (fixed days, all working days)."""
    if s := demo.story(
        "PCA66GGRXW",
        JIANGCHUAN,
        "城区餐饮油烟污染治理",
        start=date(2025, 8, 12),
        at="20:40",
        place="城关街道解放路夜市",
        happened_time="夏天每晚",
        description="解放路夜市的烧烤摊油烟太大，临街住户没法开窗。",
        contact={"name": "尤女士", "phone": "13800000303"},
    ):
        s.accept(1, "jcsthjj_head")
        s.answer(8, "jcsthjj_head", "已会同城管部门规范夜市经营，烧烤摊统一配备油烟净化设备并集中到远离住宅的区域。")
        s.rate(10, SATISFIED)

    if s := demo.story(
        "JG2HKGHJEB",
        JIANGCHUAN,
        "秸秆禁烧网格化巡查",
        start=date(2025, 10, 13),
        at="18:30",
        place="河口镇稻田",
        happened_time="秋收以后",
        description="河口镇秋收以后有人在稻田里烧稻草。",
    ):
        s.accept(1, "jcnyj_head")
        s.note(2, "jcsthjj_head", "视频监控在河口镇发现1处火点，已推送。")
        s.answer(6, "jcnyj_head", "已扑灭火点，对焚烧者批评教育，并安排稻草打捆离田。")
        s.rate(7, SATISFIED)
