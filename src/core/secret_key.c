#include "secret_key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p for the folders above path */
static void make_parents(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
}

static int create_key(const char *path, struct err *e)
{
	unsigned char key[SECRET_KEY_LEN];
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return err_set(e, ERR_INTERNAL, "secret_key", NULL, "无法取得随机数");
	make_parents(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		memset(key, 0, sizeof(key));
		return errno == EEXIST ? 0 /* made by a concurrent start */
		                       : err_set(e, ERR_INTERNAL, "secret_key", NULL,
		                                 "无法创建密钥文件 %s：%s", path, strerror(errno));
	}
	ssize_t n = write(fd, key, sizeof(key));
	memset(key, 0, sizeof(key));
	if (n != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return err_set(e, ERR_INTERNAL, "secret_key", NULL, "无法写入密钥文件 %s", path);
	}
	close(fd);
	return 0;
}

int secret_key_load(const char *path, int create, unsigned char key[SECRET_KEY_LEN], struct err *e)
{
	if (create && access(path, F_OK) != 0 && create_key(path, e))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_INTERNAL, "secret_key", NULL, "无法读取密钥文件 %s：%s", path,
		               strerror(errno));
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_INTERNAL, "secret_key", NULL, "密钥文件 %s 不是普通文件", path);
		goto out;
	}
	if (st.st_mode & 077) {
		err_set(e, ERR_INTERNAL, "secret_key", NULL,
		        "密钥文件 %s 的权限过宽，其他用户可读；请执行 chmod 600 %s", path, path);
		goto out;
	}
	if (st.st_size != SECRET_KEY_LEN ||
	    read(fd, key, SECRET_KEY_LEN) != (ssize_t)SECRET_KEY_LEN) {
		err_set(e, ERR_INTERNAL, "secret_key", NULL, "密钥文件 %s 应为 %d 字节", path,
		        SECRET_KEY_LEN);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
