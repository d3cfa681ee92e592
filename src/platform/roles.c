#include "roles.h"

#include <string.h>
#include <time.h>

const struct perm_info perm_catalog[] = {
    {"orgs.read", "查看组织", "组织管理"},
    {"orgs.write", "维护组织", "组织管理"},
    {"members.read", "查看会员", "会员管理"},
    {"members.write", "维护会员", "会员管理"},
    {"members.reveal_id", "查看完整身份证号", "会员管理"},
    {"members.import", "批量导入会员", "会员管理"},
    {"applications.review", "审批申请", "审批"},
    {"calendar.manage", "维护节假日安排", "审批"},
    {"hardship.read", "查看困难职工档案", "帮扶救助"},
    {"hardship.review", "审核帮扶申请", "帮扶救助"},
    {"legal.review", "办理法律援助", "权益保障"},
    {"modelworkers.read", "查看劳模信息", "劳模服务"},
    {"modelworkers.write", "维护劳模信息", "劳模服务"},
    {"content.publish", "发布资讯", "宣传教育"},
    {"women.manage", "女职工工作", "女职工"},
    {"assets.manage", "资产与阵地", "资产管理"},
    {"oa.use", "公文办理", "办公"},
    {"stats.read", "查看统计", "统计分析"},
    {"accounts.read", "查看干部账号", "账号与权限"},
    {"accounts.manage", "管理干部账号与授权", "账号与权限"},
    {"roles.manage", "管理角色", "账号与权限"},
    {"apikeys.manage", "管理接口密钥", "账号与权限"},
    {"security.manage", "安全策略与账号锁定", "安全"},
    {"audit.read", "查看审计日志", "审计"},
};
const int perm_catalog_count = sizeof(perm_catalog) / sizeof(perm_catalog[0]);

#define PERMS(...)                                                                                 \
	(const char *const[])                                                                      \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}

const struct role_info builtin_roles[] = {
    {"org_admin", "本级工会管理员", "管理本级及下级工会的干部账号与授权", NULL,
     PERMS("orgs.read", "accounts.read", "accounts.manage")},
    {"base_work", "基层工作部", "组织建设、会员发展、入会转会审批", NULL,
     PERMS("orgs.read", "orgs.write", "members.read", "members.write", "members.reveal_id",
           "members.import", "applications.review", "stats.read")},
    {"rights", "权益保障部", "法律援助与职工权益", NULL,
     PERMS("orgs.read", "members.read", "legal.review")},
    {"help_center", "职工帮扶服务中心", "困难职工建档与帮扶", NULL,
     PERMS("orgs.read", "members.read", "hardship.read", "hardship.review")},
    {"econ", "经济技术部", "劳模与劳动竞赛", NULL,
     PERMS("orgs.read", "members.read", "modelworkers.read", "modelworkers.write")},
    {"propaganda", "宣教部", "宣传教育与资讯发布", NULL, PERMS("orgs.read", "content.publish")},
    {"women", "女职工部", "女职工工作", NULL, PERMS("orgs.read", "members.read", "women.manage")},
    {"assets", "资产部", "工会资产与服务阵地", NULL, PERMS("orgs.read", "assets.manage")},
    {"network", "网络中心", "平台运行与数据统计", NULL, PERMS("orgs.read", "stats.read")},
    {"office", "办公室", "公文与综合事务", NULL, PERMS("orgs.read", "oa.use")},
    {"sysadmin", "系统管理员", "账号、角色与系统配置；不接触业务数据", "sysadmin",
     PERMS("orgs.read", "accounts.read", "accounts.manage", "roles.manage", "apikeys.manage",
           "calendar.manage")},
    {"secadmin", "安全管理员", "安全策略与账号锁定", "secadmin",
     PERMS("orgs.read", "accounts.read", "security.manage")},
    {"auditor", "审计管理员", "只读审计日志", "auditor", PERMS("audit.read")},
};
const int builtin_roles_count = sizeof(builtin_roles) / sizeof(builtin_roles[0]);

const struct perm_info *perm_find(const char *code)
{
	for (int i = 0; i < perm_catalog_count; i++)
		if (!strcmp(perm_catalog[i].code, code))
			return &perm_catalog[i];
	return NULL;
}

int roles_sync(struct db *d, struct err *e)
{
	int64_t now = (int64_t)time(NULL);
	for (int i = 0; i < builtin_roles_count; i++) {
		const struct role_info *ri = &builtin_roles[i];
		int64_t id;
		if (db_query_int(
		        d, e,
		        "INSERT INTO roles (code, name, description, admin_kind, builtin, "
		        "created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5) "
		        "ON CONFLICT (code) DO UPDATE SET name = $2, description = $3, "
		        "admin_kind = $4, builtin = 1, updated_at = $5 RETURNING id",
		        DB_ARGS(DB_TEXT(ri->code), DB_TEXT(ri->name), DB_TEXT(ri->description),
		                ri->admin_kind ? DB_TEXT(ri->admin_kind) : DB_NULL, DB_INT(now)),
		        &id))
			return -1;
		/* the built-in set is exactly the table's */
		if (db_exec(d, e, "DELETE FROM role_permissions WHERE role_id = $1",
		            DB_ARGS(DB_INT(id)), NULL))
			return -1;
		for (const char *const *p = ri->perms; *p; p++)
			if (db_exec(d, e,
			            "INSERT INTO role_permissions (role_id, perm) VALUES ($1, $2)",
			            DB_ARGS(DB_INT(id), DB_TEXT(*p)), NULL))
				return -1;
	}
	return 0;
}
