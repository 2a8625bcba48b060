"""The relevance table of the search conformance suite: what people type -> the listing they want.

Data only. Every case is run on every backend (embedded SQLite FTS5 and Elasticsearch) against
the bundled directory (``directory/data/enterprises.jsonl``); ``expected`` must be among the
first ``within`` results. The cases cover each bullet of the search issue: one- and
two-character words, whole names, name parts, abbreviations and aliases, traditional
characters, full pinyin, pinyin initials and prefixes, polyphones, English names and
prefixes, phone numbers in any format, and queries with spaces or punctuation.

Expectations follow the ranking (exact name/alias/pinyin/initials/phone key, then key prefix,
then a match within the names, then other fields; within a tier by prominence
(directory/prominence.py); then BM25; then id). ``within`` is 1 where the expected listing is
the only one in the best tier; where
other listings legitimately tie with it (the same alias, the same initials) ``within`` is the
size of that tie and ``note`` says who ties, since only BM25 (which the backends need not
agree on) orders a tie.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    category: str  # one of CATEGORIES
    query: str
    expected: str  # enterprise id in directory/data/enterprises.jsonl
    within: int = 1  # expected must be among the first `within` results
    note: str = ""  # why, when not obvious


@dataclass(frozen=True)
class BroadCase:
    """A broad word (an industry, 中国, bank): the companies people mean are all in the first
    BROAD_TOP results, and both engines give the same first BROAD_TOP (see test_elastic.py)."""

    query: str
    expected: tuple[str, ...]  # enterprise ids in directory/data/enterprises.jsonl
    note: str = ""
    # Why the bundle cannot meet the case yet (the conformance test xfails it, strictly, so
    # it fails as soon as the data or the score meets it and the gap must be closed here).
    known_gap: str = ""


BROAD_TOP = 5


CATEGORIES = (
    "cjk-word", "whole-name", "name-part", "alias", "traditional", "pinyin-full", "pinyin-initials",
    "pinyin-prefix", "polyphone", "english", "english-prefix", "phone", "punctuation",
)

# Enterprise ids used more than once.
ICBC = "ent_9f7532f6acdd"  # 中国工商银行 / Industrial and Commercial Bank of China
CMB = "ent_eddf0d94d649"  # 招商银行 / China Merchants Bank
CHINA_MOBILE = "ent_85b5b2309f66"  # 中国移动 / China Mobile
CCB = "ent_2b0d45fb4077"  # 中国建设银行 / China Construction Bank
BOC = "ent_28d568c3f202"  # 中国银行 / Bank of China
BOCOM = "ent_6e642261d0c3"  # 交通银行 / Bank of Communications
CIB = "ent_e091abfe9067"  # 兴业银行 / Industrial Bank
PSBC = "ent_b641ba7faef0"  # 中国邮政储蓄银行 / Postal Savings Bank of China
CHINA_SOUTHERN = "ent_4d47b9970f98"  # 中国南方航空 / China Southern Airlines
AIR_CHINA = "ent_7a91d93cc08c"  # 中国国际航空 / Air China
CHINA_EASTERN = "ent_8615ea69e805"  # 中国东方航空 / China Eastern Airlines
ABC = "ent_d5b483e58eb5"  # 中国农业银行 / Agricultural Bank of China
CHINA_TELECOM = "ent_57c86dc95337"  # 中国电信 / China Telecom
CHINA_UNICOM = "ent_1ae5c5bf531e"  # 中国联通 / China Unicom
PICC = "ent_9e9b00f8707e"  # 中国人保 / PICC
PING_AN = "ent_36ce7d751cf5"  # 中国平安 / Ping An
CPIC = "ent_4207f3636743"  # 太平洋保险 / China Pacific Insurance
ZTO = "ent_f8661b889c31"  # 中通快递 / ZTO Express
STO = "ent_4f15c3fd8280"  # 申通快递 / STO Express
TAOBAO = "ent_b468e6496a07"  # 淘宝 / Taobao
HSBC_CN = "ent_5adf512487db"  # 汇丰银行（中国） / HSBC Bank (China)
SF = "ent_4231dccf6d63"  # 顺丰速运 / SF Express
JD = "ent_c7dc447a0b22"  # 京东 / JD.com
JD_LOGISTICS = "ent_6e7db567a61e"  # 京东物流 / JD Logistics
CHONGQING_BANK = "ent_c6aa0ed3dd99"  # 重庆银行 / Bank of Chongqing
CHONGQING_RCB = "ent_c43e802ca7d1"  # 重庆农村商业银行 / Chongqing Rural Commercial Bank
CHANGSHA_BANK = "ent_8f6e36b9ab3d"  # 长沙银行 / Bank of Changsha
CHINA_RAILWAY = "ent_9a1be27dbd9d"  # 中国铁路 / China Railway
PETROCHINA = "ent_90d88a33124a"  # 中国石油 / China National Petroleum Corporation
ALIPAY = "ent_9bcc9fd51558"  # 支付宝 / Alipay
PINDUODUO = "ent_1ff0c21bb415"  # 拼多多 / Pinduoduo
BILIBILI = "ent_09f8dd39241d"  # 哔哩哔哩 / Bilibili
TENCENT = "ent_a4175a4eb227"  # 腾讯 / Tencent
BAIDU = "ent_63d4e1bfd3f9"  # 百度 / Baidu
TRIP = "ent_3d2bfadd9c30"  # 携程 / Trip.com
XIAMEN_AIRLINES = "ent_1ea771649d87"  # 厦门航空 / Xiamen Airlines

CASES: tuple[Case, ...] = (
    # --- Chinese words of one or two characters: whole names or aliases -----------------------
    Case("cjk-word", "银行", PSBC, within=100,
         note="a category word, nobody's name: 118 listings have 银行 in a name and only BM25 orders "
              "them: a long name, 中国邮政储蓄银行, is in the first 100 (the longest, 深圳福田银座村镇银行, "
              "is past the 100 a case can check)"),
    Case("cjk-word", "移动", CHINA_MOBILE, note="alias of 中国移动"),
    Case("cjk-word", "顺丰", SF, note="alias of 顺丰速运"),
    Case("cjk-word", "京东", JD, note="exact name beats the prefix matches 京东物流, 京东云, 京东支付"),
    Case("cjk-word", "百度", BAIDU),
    Case("cjk-word", "腾讯", TENCENT, note="exact name beats the prefix match 腾讯云"),
    Case("cjk-word", "小米", "ent_546a6cf53519", note="exact name beats the prefix match 小米汽车"),
    Case("cjk-word", "华为", "ent_fbf5b5cd5527", note="exact name beats the prefix match 华为云"),
    Case("cjk-word", "美团", "ent_0f9834c6fb75", note="exact name beats the prefix match 美团外卖"),
    Case("cjk-word", "淘宝", "ent_b468e6496a07"),
    Case("cjk-word", "联通", "ent_1ae5c5bf531e", note="alias of 中国联通"),
    Case("cjk-word", "滴滴", "ent_52a51e644943", note="alias of 滴滴出行"),
    # --- whole names ----------------------------------------------------------------------------
    Case("whole-name", "招商银行", CMB, note="must beat 招商证券 (which does not even match 银行)"),
    Case("whole-name", "中国工商银行", ICBC),
    Case("whole-name", "中国银行", BOC, note="exact name beats the prefix match 中国银行（香港）"),
    Case("whole-name", "中国建设银行", CCB, note="exact name beats the prefix match 中国建设银行（亚洲）"),
    Case("whole-name", "中国南方航空", CHINA_SOUTHERN),
    Case("whole-name", "顺丰速运", SF),
    Case("whole-name", "京东物流", JD_LOGISTICS),
    Case("whole-name", "招商证券", "ent_5ca14678ad0a"),
    Case("whole-name", "重庆农村商业银行", CHONGQING_RCB),
    Case("whole-name", "芒果TV", "ent_42f02813cea2", note="a name mixing Han and Latin"),
    # --- a part of a name that is neither its start nor an alias ---------------------------------
    Case("name-part", "储蓄银行", PSBC, within=2,
         note="in 中国邮政储蓄银行 and in 上海商业储蓄银行 (name-suggestion-index), names as long"),
    Case("name-part", "联邦银行", "ent_086b70e79ce0", note="in 澳大利亚联邦银行"),
    Case("name-part", "外卖", "ent_5dac15afcdc7", note="in 美团外卖; the rest match only an industry"),
    Case("name-part", "云音乐", "ent_8ae928057ff7", note="in 网易云音乐"),
    Case("name-part", "公积金", "ent_5197da9b8369", note="in 住房公积金"),
    Case("name-part", "反诈", "ent_e17e78c2af0f", note="in 国家反诈中心"),
    Case("name-part", "石油", PETROCHINA, note="in 中国石油 (中国石化 has 石化, not 石油)"),
    Case("name-part", "点评", "ent_9f3a22fc17e5", note="in 大众点评"),
    Case("name-part", "值得买", "ent_af80a5fe6ebb", note="in 什么值得买"),
    Case("name-part", "国际航空", AIR_CHINA, note="in 中国国际航空"),
    # --- abbreviations and aliases -----------------------------------------------------------
    Case("alias", "工行", ICBC),
    Case("alias", "招行", CMB),
    Case("alias", "南航", CHINA_SOUTHERN, note="exact alias beats 海南航空 (bigram 南航)"),
    Case("alias", "中行", BOC),
    Case("alias", "建行", CCB),
    Case("alias", "农行", "ent_d5b483e58eb5", note="中国农业银行"),
    Case("alias", "交行", BOCOM),
    Case("alias", "国航", AIR_CHINA, note="exact alias beats 美国航空 (bigram 国航)"),
    Case("alias", "邮储", PSBC),
    Case("alias", "中石化", "ent_605271c04cb8", note="中国石化"),
    Case("alias", "工信部", "ent_9189a8d85b0d", note="工业和信息化部"),
    Case("alias", "重庆农商行", CHONGQING_RCB),
    Case("alias", "B站", BILIBILI, note="alias mixing Latin and Han"),
    # --- traditional characters, folded with OpenCC ---------------------------------------------
    Case("traditional", "中國移動", CHINA_MOBILE),
    Case("traditional", "招商銀行", CMB),
    Case("traditional", "匯豐", HSBC_CN, within=2,
         note="汇丰 is an alias of both 汇丰银行（中国） and 汇丰银行（香港）: an exact tie"),
    Case("traditional", "順豐", SF),
    Case("traditional", "中國工商銀行", ICBC),
    Case("traditional", "京東", JD),
    Case("traditional", "騰訊", TENCENT),
    Case("traditional", "攜程", TRIP),
    Case("traditional", "郵儲銀行", PSBC, note="traditional form of the alias 邮储银行"),
    Case("traditional", "嗶哩嗶哩", BILIBILI),
    # --- full pinyin ---------------------------------------------------------------------------
    Case("pinyin-full", "zhaoshangyinhang", CMB),
    Case("pinyin-full", "zhongguoyidong", CHINA_MOBILE),
    Case("pinyin-full", "yidong", CHINA_MOBILE, note="pinyin of the alias 移动"),
    Case("pinyin-full", "shunfeng", SF, note="pinyin of the alias 顺丰"),
    Case("pinyin-full", "jingdong", JD, note="exact pinyin beats jingdongwuliu etc."),
    Case("pinyin-full", "gongshangyinhang", ICBC, note="pinyin of the alias 工商银行"),
    Case("pinyin-full", "zhifubao", ALIPAY),
    Case("pinyin-full", "tengxun", TENCENT, note="exact pinyin beats tengxunyun"),
    Case("pinyin-full", "didichuxing", "ent_52a51e644943"),
    Case("pinyin-full", "ZhongGuoYinHang", BOC, note="any case"),
    # --- pinyin initials -------------------------------------------------------------------------
    Case("pinyin-initials", "zsyh", CMB, within=2, note="浙商银行 has the same initials: an exact tie"),
    Case("pinyin-initials", "zgyd", CHINA_MOBILE),
    Case("pinyin-initials", "gsyh", ICBC, note="initials of the alias 工商银行"),
    Case("pinyin-initials", "zgyh", BOC, note="exact initials beat zgyhxg, 中国银行（香港）"),
    Case("pinyin-initials", "zgjsyh", CCB),
    Case("pinyin-initials", "zgnfhk", CHINA_SOUTHERN),
    Case("pinyin-initials", "zfb", ALIPAY),
    Case("pinyin-initials", "sfsy", SF),
    Case("pinyin-initials", "zgdx", "ent_57c86dc95337", note="中国电信"),
    Case("pinyin-initials", "ZGLT", "ent_1ae5c5bf531e", note="中国联通, upper case"),
    # --- pinyin prefixes, as typed so far ------------------------------------------------------
    Case("pinyin-prefix", "zhaosh", CMB, within=2,
         note="招商证券 (zhaoshangzhengquan) shares the prefix: a tie in the key-prefix tier"),
    Case("pinyin-prefix", "zhongguoyid", CHINA_MOBILE),
    Case("pinyin-prefix", "gongshangyinh", ICBC, note="prefix of the alias 工商银行"),
    Case("pinyin-prefix", "pinduo", PINDUODUO),
    Case("pinyin-prefix", "shunf", SF),
    Case("pinyin-prefix", "zhifub", ALIPAY),
    Case("pinyin-prefix", "bilib", BILIBILI),
    Case("pinyin-prefix", "meituanw", "ent_5dac15afcdc7", note="美团外卖"),
    Case("pinyin-prefix", "wangyiyuny", "ent_8ae928057ff7", note="网易云音乐"),
    Case("pinyin-prefix", "jingdongw", JD_LOGISTICS),
    # --- polyphones: the reading follows the phrase --------------------------------------------
    Case("polyphone", "chongqing", CHONGQING_BANK, within=3,
         note="重 as chong (not zhong); 重庆农村商业银行 and 重庆轨道交通 share the prefix: a tie in the "
              "key-prefix tier"),
    Case("polyphone", "chongqingyinhang", CHONGQING_BANK, note="重庆 chong, 银行 hang"),
    Case("polyphone", "cqyh", CHONGQING_BANK, note="initials follow the reading: c, not z"),
    Case("polyphone", "changsha", CHANGSHA_BANK, note="长 as chang (not zhang)"),
    Case("polyphone", "changshayinhang", CHANGSHA_BANK),
    Case("polyphone", "xiamenhangkong", XIAMEN_AIRLINES, note="厦 as xia (not sha)"),
    Case("polyphone", "zhaohang", CMB, note="招行: 行 as hang (not xing)"),
    Case("polyphone", "caocaochuxing", "ent_bd02b3b89b0c", note="曹操出行: 行 as xing (not hang)"),
    Case("polyphone", "xingyeyinhang", CIB, note="兴业银行: 兴 as xing, 行 as hang"),
    Case("polyphone", "leshan", "ent_f0a73be42d3c", note="乐山市商业银行: 乐 as le (not yue)"),
    Case("polyphone", "changchenghuaxi", "ent_5ca106bd48fa", note="长城华西银行: 长 as chang"),
    # --- English names and abbreviations, any case ---------------------------------------------
    Case("english", "ICBC", ICBC, note="exact alias beats the prefix match ICBC [AR]"),
    Case("english", "icbc", ICBC),
    Case("english", "China Mobile", CHINA_MOBILE),
    Case("english", "HSBC", HSBC_CN, within=2,
         note="HSBC is an alias of both 汇丰银行（中国） and 汇丰银行（香港）: an exact tie; "
              "HSBC [UK], HSBC [US] ... are key prefixes, below"),
    Case("english", "china merchants bank", CMB),
    Case("english", "SF Express", SF),
    Case("english", "Air China", AIR_CHINA),
    Case("english", "PetroChina", PETROCHINA),
    Case("english", "UnionPay", "ent_07e4f4b54ccb", note="alias of 中国银联"),
    Case("english", "Bank of China", BOC, note="exact name beats Bank of China (Hong Kong)"),
    Case("english", "TENCENT", TENCENT),
    Case("english", "Sinopec", "ent_605271c04cb8"),
    # --- English prefixes, as typed so far -----------------------------------------------------
    Case("english-prefix", "china mobil", CHINA_MOBILE),
    Case("english-prefix", "china southern air", CHINA_SOUTHERN),
    Case("english-prefix", "industrial and comm", ICBC),
    Case("english-prefix", "petroch", PETROCHINA),
    Case("english-prefix", "unionp", "ent_07e4f4b54ccb"),
    Case("english-prefix", "merchants ba", CMB, note="words inside the name: China Merchants Bank"),
    Case("english-prefix", "postal sav", PSBC),
    Case("english-prefix", "luckin cof", "ent_786d99433d7d", note="Luckin Coffee"),
    Case("english-prefix", "Xiamen Air", XIAMEN_AIRLINES),
    # --- phone numbers in any format -----------------------------------------------------------
    Case("phone", "95588", ICBC),
    Case("phone", "955 88", ICBC),
    Case("phone", "400-820-0588", CCB, note="stored as 4008200588"),
    Case("phone", "4008200588", CCB),
    Case("phone", "021-95561", CIB, note="stored as 02195561 (and 95561)"),
    Case("phone", "+86 21 2828 3888", BOCOM, note="stored as +862128283888"),
    Case("phone", "021 2828 3888", BOCOM, note="the same number, national format"),
    Case("phone", "10086", CHINA_MOBILE),
    Case("phone", "12306", CHINA_RAILWAY, note="also an alias"),
    Case("phone", "400 820 5555", CMB, note="stored as 4008205555"),
    Case("phone", "010-5992-8888", BAIDU, note="stored as 01059928888"),
    Case("phone", "0086 755 8376 5566", TENCENT, note="0086 prefix; stored as 075583765566"),
    Case("phone", "+852 2233 3033", "ent_7995b2fe54a1", note="汇丰银行（香港）, stored as +85222333033"),
    # --- spaces and punctuation in the query ---------------------------------------------------
    Case("punctuation", "招商 银行", CMB),
    Case("punctuation", "China-Mobile", CHINA_MOBILE),
    Case("punctuation", "（中国移动）", CHINA_MOBILE, note="full-width brackets"),
    Case("punctuation", "jd.com", JD, note="the English name JD.com; others match only a domain"),
    Case("punctuation", "\u201c工行\u201d", ICBC, note="curly quotes"),
    Case("punctuation", "招行!", CMB),
    Case("punctuation", "ＩＣＢＣ", ICBC, note="full-width Latin letters"),
    Case("punctuation", "铁路 12306", CHINA_RAILWAY, note="the alias 铁路12306 typed with a space"),
    Case("punctuation", "Trip.com", TRIP),
    Case("punctuation", '"SF Express"', SF, note="straight quotes are characters, not a phrase query"),
    Case("punctuation", "中国·移动", CHINA_MOBILE, note="a middle dot between the words"),
    Case("punctuation", "bank-of-china", BOC),
)

# Broad words: what people mean by them, in the first BROAD_TOP on both engines. Within a tier
# the order is prominence (contact channels, a Chinese name, mainland service, aliases; Wikidata,
# verification and reports once the data has them), so the big brands with many lines lead.
BROAD_CASES: tuple[BroadCase, ...] = (
    BroadCase("中国", (CHINA_MOBILE, CHINA_TELECOM, ABC, BOC),
              note="every 中国… name is a key prefix; the state carriers and big banks (Wikidata ids, "
                   "the most lines mainland users can open) lead. 中国工商银行 ties for 5th with "
                   "中国邮政储蓄银行 and 中国铁路 (all meant; only BM25 orders the tie). Further "
                   "back: 中国联通 (no Wikidata id in the bundle)"),
    BroadCase("银行", (CCB, CMB, ABC, BOCOM),
              note="names with 银行: the national banks; 中信银行 lists 29 lines mainland users can "
                   "open and leads (a bank people mean too); 中国银行 and 中国工商银行 come after "
                   "the top 5 (3 of 工行's 7 lines are on X/Facebook/YouTube)"),
    BroadCase("bank", (BOC, BOCOM), note="'Bank of …' names are key prefixes: the tier before '… Bank'"),
    BroadCase("航空", (CHINA_SOUTHERN, CHINA_EASTERN)),
    BroadCase("airline", (CHINA_SOUTHERN, CHINA_EASTERN), note="English names '… Airlines'"),
    BroadCase("保险", (PICC, PING_AN, CPIC), note="中国平安 only through its alias 平安保险"),
    BroadCase("insurance", (PICC, PING_AN, CPIC)),
    BroadCase("快递", (ZTO, STO)),
    BroadCase("电信", (CHINA_TELECOM,)),
    BroadCase("通信", (CHINA_MOBILE, CHINA_TELECOM),
              note="through their industry's name (通信); 阿里通信 has it in its name and leads. 中国联通 "
                   "is meant too but has no Wikidata id in the bundle, so the telecom-industry brands "
                   "that have one (华为, 小米) come before it: a gap of the data, not of the score"),
    BroadCase("china", (CHINA_MOBILE, CMB)),
    BroadCase("电商", (JD, TAOBAO), note="the Chinese e-commerce platforms people mean",
              known_gap="the bundle has no Wikidata id for 京东, 淘宝 or 拼多多, so the "
                        "name-suggestion-index retail brands of the same industry (宜家, 亚马逊, 耐克, "
                        "路易威登, 阿迪达斯: Wikidata ids) come first; ids come only from sources: "
                        "the fix is a source with their ids, not an expectation of whoever leads"),
)
