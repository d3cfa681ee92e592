#include "codes.h"

#include <string.h>

#define TABLE(id, name, codes)                                                                     \
	{                                                                                          \
		id, name, codes, (int)(sizeof(codes) / sizeof(codes[0]))                           \
	}

/* GB/T 2261.1-2003 */
static const struct code gender[] = {
    {"0", "未知"},
    {"1", "男"},
    {"2", "女"},
    {"9", "未说明"},
};

/* GB/T 3304-1991 (the 56 groups), plus the two codes the standard keeps for
 * people who belong to none of them */
static const struct code ethnicity[] = {
    {"01", "汉族"},       {"02", "蒙古族"},
    {"03", "回族"},       {"04", "藏族"},
    {"05", "维吾尔族"},   {"06", "苗族"},
    {"07", "彝族"},       {"08", "壮族"},
    {"09", "布依族"},     {"10", "朝鲜族"},
    {"11", "满族"},       {"12", "侗族"},
    {"13", "瑶族"},       {"14", "白族"},
    {"15", "土家族"},     {"16", "哈尼族"},
    {"17", "哈萨克族"},   {"18", "傣族"},
    {"19", "黎族"},       {"20", "傈僳族"},
    {"21", "佤族"},       {"22", "畲族"},
    {"23", "高山族"},     {"24", "拉祜族"},
    {"25", "水族"},       {"26", "东乡族"},
    {"27", "纳西族"},     {"28", "景颇族"},
    {"29", "柯尔克孜族"}, {"30", "土族"},
    {"31", "达斡尔族"},   {"32", "仫佬族"},
    {"33", "羌族"},       {"34", "布朗族"},
    {"35", "撒拉族"},     {"36", "毛南族"},
    {"37", "仡佬族"},     {"38", "锡伯族"},
    {"39", "阿昌族"},     {"40", "普米族"},
    {"41", "塔吉克族"},   {"42", "怒族"},
    {"43", "乌孜别克族"}, {"44", "俄罗斯族"},
    {"45", "鄂温克族"},   {"46", "德昂族"},
    {"47", "保安族"},     {"48", "裕固族"},
    {"49", "京族"},       {"50", "塔塔尔族"},
    {"51", "独龙族"},     {"52", "鄂伦春族"},
    {"53", "赫哲族"},     {"54", "门巴族"},
    {"55", "珞巴族"},     {"56", "基诺族"},
    {"97", "其他"},       {"98", "外国血统中国籍人士"},
};

/* GB/T 4762-1984, with the short names forms use */
static const struct code political[] = {
    {"01", "中共党员"},   {"02", "中共预备党员"}, {"03", "共青团员"}, {"04", "民革党员"},
    {"05", "民盟盟员"},   {"06", "民建会员"},     {"07", "民进会员"}, {"08", "农工党党员"},
    {"09", "致公党党员"}, {"10", "九三学社社员"}, {"11", "台盟盟员"}, {"12", "无党派人士"},
    {"13", "群众"},
};

/* GB/T 4658-2006: the "毕业" code of each level (11 博士研究生毕业, 21 大学本科毕业 …);
 * the names drop "毕业" as member forms do. The 结业/肄业 codes are not offered. */
static const struct code education[] = {
    {"11", "博士研究生"}, {"14", "硕士研究生"}, {"21", "大学本科"}, {"31", "大学专科"},
    {"41", "中等专科"},   {"44", "职业高中"},   {"47", "技工学校"}, {"61", "普通高中"},
    {"71", "初中"},       {"81", "小学"},       {"90", "其他"},
};

static const struct code hukou[] = {
    {"urban", "城镇"},
    {"rural", "农业"},
    {"converted", "农转居"},
};

static const struct code employment[] = {
    {"employed", "在岗"},     {"laid_off", "下岗/待岗"}, {"unemployed", "失业"},
    {"retired", "退休"},      {"sick_leave", "病休"},    {"early_retired", "内退"},
    {"flexible", "灵活就业"},
};

/* the statuses of the 中国工会章程; the CHECK in migrations/0004_members.sql
 * lists the same codes */
static const struct code member_status[] = {
    {"normal", "正常"}, {"retained", "保留会籍"}, {"transferred", "已转出"},
    {"left", "已退会"}, {"removed", "已除名"},    {"expelled", "已开除"},
};

/* GB/T 2261.2-2003 */
static const struct code marital[] = {
    {"10", "未婚"}, {"20", "已婚"}, {"21", "初婚"}, {"22", "再婚"},
    {"23", "复婚"}, {"30", "丧偶"}, {"40", "离婚"}, {"90", "未说明"},
};

/* GB/T 4754-2017, the 20 sections */
static const struct code industry[] = {
    {"A", "农、林、牧、渔业"},
    {"B", "采矿业"},
    {"C", "制造业"},
    {"D", "电力、热力、燃气及水生产和供应业"},
    {"E", "建筑业"},
    {"F", "批发和零售业"},
    {"G", "交通运输、仓储和邮政业"},
    {"H", "住宿和餐饮业"},
    {"I", "信息传输、软件和信息技术服务业"},
    {"J", "金融业"},
    {"K", "房地产业"},
    {"L", "租赁和商务服务业"},
    {"M", "科学研究和技术服务业"},
    {"N", "水利、环境和公共设施管理业"},
    {"O", "居民服务、修理和其他服务业"},
    {"P", "教育"},
    {"Q", "卫生和社会工作"},
    {"R", "文化、体育和娱乐业"},
    {"S", "公共管理、社会保障和社会组织"},
    {"T", "国际组织"},
};

/* 登记注册类型, as DOMAIN.md lists them */
static const struct code unit_type[] = {
    {"110", "国有"},         {"120", "集体"},         {"130", "股份合作"},
    {"140", "联营"},         {"151", "国有独资公司"}, {"159", "其他有限责任公司"},
    {"161", "国有控股股份"}, {"169", "其他股份"},     {"170", "私营"},
    {"190", "其他内资"},     {"200", "港澳台"},       {"300", "外商投资"},
    {"400", "事业单位"},     {"500", "机关"},         {"600", "个体经济组织"},
    {"700", "民办非企业"},
};

static const struct code yesno[] = {
    {"1", "是"},
    {"0", "否"},
};

const struct code_table code_tables[] = {
    TABLE("gender", "性别", gender),
    TABLE("ethnicity", "民族", ethnicity),
    TABLE("political", "政治面貌", political),
    TABLE("education", "学历", education),
    TABLE("hukou", "户籍类型", hukou),
    TABLE("employment", "就业状态", employment),
    TABLE("member_status", "会籍状态", member_status),
    TABLE("marital", "婚姻状况", marital),
    TABLE("industry", "国民经济行业分类门类", industry),
    TABLE("unit_type", "单位类别", unit_type),
    TABLE("yesno", "是否", yesno),
};

const int code_tables_count = (int)(sizeof(code_tables) / sizeof(code_tables[0]));

const struct code_table *code_table(const char *id)
{
	if (!id)
		return NULL;
	for (int i = 0; i < code_tables_count; i++)
		if (!strcmp(code_tables[i].id, id))
			return &code_tables[i];
	return NULL;
}

const char *code_name(const char *table, const char *code)
{
	const struct code_table *t = code_table(table);
	if (!t || !code)
		return NULL;
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->codes[i].code, code))
			return t->codes[i].name;
	return NULL;
}

/* Length of the space at s: an ASCII blank, U+3000 (E3 80 80), or 0. */
static size_t space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0x80)
		return 3;
	return 0;
}

const char *code_lookup(const char *table, const char *text)
{
	const struct code_table *t = code_table(table);
	if (!t || !text)
		return NULL;
	size_t n;
	while ((n = space_at(text)) > 0)
		text += n;
	size_t len = strlen(text);
	/* trailing spaces: walk back over single bytes and U+3000 */
	for (;;) {
		if (len >= 1 && space_at(text + len - 1) == 1)
			len--;
		else if (len >= 3 && space_at(text + len - 3) == 3)
			len -= 3;
		else
			break;
	}
	if (len == 0)
		return NULL;
	for (int i = 0; i < t->n; i++) {
		const struct code *c = &t->codes[i];
		if ((strlen(c->code) == len && !memcmp(c->code, text, len)) ||
		    (strlen(c->name) == len && !memcmp(c->name, text, len)))
			return c->code;
	}
	return NULL;
}
