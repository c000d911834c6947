/* -o FILE: the document written whole or not at all, to the file the name
 * means. The bytes go to a temporary file beside the final target, are
 * synced, and replace the target with one rename(); so
 *  - a symlink is followed to its final target (the link stays a link), but
 *    not a link another user planted in a sticky world-writable directory
 *    such as /tmp (the rule of the kernel's fs.protected_symlinks);
 *  - an existing file keeps its mode and, where allowed, its owner; a new
 *    one gets 0666 & ~umask, as any program's new file;
 *  - a file with other hard links is rewritten in place once the complete
 *    document is on disk beside it, so every name sees the new document;
 *  - SIGINT, SIGTERM and SIGHUP wait while the temporary file exists, and
 *    SIGXFSZ (ulimit -f) is ignored so that it becomes a write error: no
 *    FILE.tmp-XXXXXX is left behind by a signal. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* As the kernel's own limit on symlinks followed in one lookup (ELOOP). */
#define MAX_LINK_HOPS 40

struct target {
	char path[PATH_MAX];  /* the final target: no symlink in its last component */
	int exists;
	int discard;          /* /dev/null: asked for nothing to be kept */
	struct stat st;       /* of the target when it exists */
};

/* -o /dev/null (by any name) discards, as any program's output there. */
static int is_dev_null(const struct stat *st)
{
	struct stat dn;

	return S_ISCHR(st->st_mode) && stat("/dev/null", &dn) == 0 && S_ISCHR(dn.st_mode) &&
	       st->st_rdev == dn.st_rdev;
}

/* The directory part of path, "." for a bare name. */
static void dir_of(const char *path, char *dir, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof tmp, "%s", path);
	snprintf(dir, len, "%s", dirname(tmp));
}

/* Follow path's last component through symlinks to the file it names.
 * 0, or -1 with errno (ELOOP, ENAMETOOLONG, EPERM for a refused link) and
 * *why set for a refused link. */
static int resolve(const char *path, struct target *t, const char **why)
{
	char link[PATH_MAX], dir[PATH_MAX];
	int hops;

	*why = NULL;
	memset(t, 0, sizeof *t);
	if (snprintf(t->path, sizeof t->path, "%s", path) >= (int)sizeof t->path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (hops = 0;; hops++) {
		struct stat ds;
		ssize_t n;

		if (lstat(t->path, &t->st) != 0) {
			if (errno != ENOENT)
				return -1;
			return 0; /* a new file (also through a dangling link) */
		}
		if (!S_ISLNK(t->st.st_mode)) {
			t->exists = 1;
			return 0;
		}
		if (hops == MAX_LINK_HOPS) {
			errno = ELOOP;
			return -1;
		}
		dir_of(t->path, dir, sizeof dir);
		if (stat(dir, &ds) == 0 && (ds.st_mode & S_ISVTX) && (ds.st_mode & S_IWOTH) &&
		    t->st.st_uid != geteuid() && t->st.st_uid != ds.st_uid) {
			*why = "it is a symlink owned by another user in a sticky world-writable directory "
			       "(not followed: remove it or name the target)";
			errno = EPERM;
			return -1;
		}
		n = readlink(t->path, link, sizeof link - 1);
		if (n < 0)
			return -1;
		link[n] = '\0';
		if (link[0] == '/' || strcmp(dir, ".") == 0) {
			if (snprintf(t->path, sizeof t->path, "%s", link) >= (int)sizeof t->path)
				goto too_long;
		} else if (snprintf(t->path, sizeof t->path, "%s/%s", dir, link) >= (int)sizeof t->path) {
			goto too_long;
		}
	}
too_long:
	errno = ENAMETOOLONG;
	return -1;
}

/* The signals that would end the program between creating the temporary
 * file and the rename wait until it is gone; SIGXFSZ becomes EFBIG. */
struct guard {
	sigset_t old_mask;
	struct sigaction old_xfsz;
};

static void guard_on(struct guard *g)
{
	struct sigaction ign;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(SIG_BLOCK, &s, &g->old_mask);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGXFSZ, &ign, &g->old_xfsz);
}

static void guard_off(struct guard *g)
{
	sigaction(SIGXFSZ, &g->old_xfsz, NULL);
	sigprocmask(SIG_SETMASK, &g->old_mask, NULL); /* a pending signal acts now */
}

static int refuse(const char *path, const char *why, int usage)
{
	if (usage)
		return dlp_cli_usage("cannot write %s: %s", path, why);
	return dlp_cli_fail("cannot write %s: %s", path, why);
}

/* The target of -o, or an exit code when it cannot be one. */
static int check_target(const char *path, struct target *t)
{
	const char *why;

	if (!*path)
		return dlp_cli_usage("-o needs a file name");
	if (resolve(path, t, &why) != 0)
		return refuse(path, why ? why : strerror(errno), 0);
	if (t->exists && S_ISDIR(t->st.st_mode))
		return refuse(path, "it is a directory", 1);
	if (t->exists && is_dev_null(&t->st)) {
		t->discard = 1;
		return DLP_EXIT_OK;
	}
	/* rename() would replace a device or a socket with our file */
	if (t->exists && !S_ISREG(t->st.st_mode))
		return refuse(path, "not a regular file", 1);
	return DLP_EXIT_OK;
}

static int open_temp(const struct target *t, char *tmp, size_t len)
{
	if (snprintf(tmp, len, "%s.tmp-XXXXXX", t->path) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkstemp(tmp);
}

int dlp_cli_check_output_path(const char *path)
{
	struct target t;
	struct guard g;
	char tmp[PATH_MAX + 16];
	int fd, rc;

	/* every command calls this once its options are parsed: the place to
	 * refuse output options that contradict each other */
	if (dlp_cli.csv && dlp_cli.json)
		return dlp_cli_usage("--csv and --json exclude each other");
	if (!path)
		return DLP_EXIT_OK;
	if (*path && dlp_cli_names_stdout(path))
		return DLP_EXIT_OK;
	rc = check_target(path, &t);
	if (rc != DLP_EXIT_OK || t.discard)
		return rc;
	guard_on(&g);
	fd = open_temp(&t, tmp, sizeof tmp);
	if (fd < 0 && t.exists) {
		/* the file may well be writable: its directory is what refused */
		rc = dlp_cli_fail("cannot write %s: no temporary file can be made beside it (%s)", path,
				  strerror(errno));
	} else if (fd < 0) {
		rc = dlp_cli_fail("cannot write %s: %s", path, strerror(errno));
	} else {
		close(fd);
		unlink(tmp);
	}
	guard_off(&g);
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Mode and owner: the old file's, or 0666 & ~umask for a new one. chown
 * first: it clears set-id bits that chmod then restores. */
static int set_mode_owner(int fd, const struct target *t)
{
	mode_t mask;

	if (t->exists) {
		if (fchown(fd, t->st.st_uid, t->st.st_gid) != 0 && fchown(fd, (uid_t)-1, t->st.st_gid) != 0) {
			/* not allowed to give it away: the file becomes ours, as with any editor */
		}
		return fchmod(fd, t->st.st_mode & 07777);
	}
	mask = umask(0);
	umask(mask);
	return fchmod(fd, 0666 & ~mask);
}

/* Every name of a hard-linked file sees the new document: the complete copy
 * beside it proved that the size limit and the disk allow it; the space is
 * reserved before the old bytes are touched. */
static int rewrite_in_place(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1, e;

	if (fd < 0)
		return -1;
	if ((e = posix_fallocate(fd, 0, (off_t)len)) != 0 && e != EOPNOTSUPP && e != EINVAL) {
		errno = e;
		goto out;
	}
	if (write_all(fd, text, len) != 0 || ftruncate(fd, (off_t)len) != 0 || fsync(fd) != 0)
		goto out;
	rc = 0;
out:
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* The directory entry of the rename reaches the disk too. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	dir_of(path, dir, sizeof dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* text is the whole document, its last newline included. */
int dlp_cli_write_text(const char *text, size_t len, const char *path)
{
	struct target t;
	struct guard g;
	char tmp[PATH_MAX + 16] = "";
	int fd = -1, rc, in_place;

	rc = check_target(path, &t);
	if (rc != DLP_EXIT_OK || t.discard)
		return rc;
	rc = DLP_EXIT_RUNTIME;
	in_place = t.exists && t.st.st_nlink > 1;
	guard_on(&g);
	fd = open_temp(&t, tmp, sizeof tmp);
	if (fd < 0) {
		tmp[0] = '\0';
		goto fail;
	}
	if (set_mode_owner(fd, &t) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (in_place) {
		/* the complete copy beside it proved the limits allow it */
		if (rewrite_in_place(t.path, text, len) != 0)
			goto fail;
		unlink(tmp);
	} else if (rename(tmp, t.path) != 0) {
		goto fail;
	}
	tmp[0] = '\0';
	sync_dir(t.path);
	rc = DLP_EXIT_OK;
	goto out;
fail:
	rc = dlp_cli_fail("cannot write %s: %s", path, strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
out:
	guard_off(&g);
	return rc;
}

int dlp_cli_write_file(const json_t *doc, const char *path)
{
	char *text = json_dumps(doc, JSON_INDENT(2)), *whole;
	size_t len = text ? strlen(text) : 0;
	int rc;

	/* the document and its newline, written as one piece */
	if (!text || !(whole = realloc(text, len + 2))) {
		free(text);
		return dlp_cli_fail("cannot write %s: out of memory", path);
	}
	whole[len++] = '\n';
	whole[len] = '\0';
	rc = dlp_cli_write_text(whole, len, path);
	free(whole);
	return rc;
}

/* At exit: what was printed reached standard output, or the run failed
 * (a full disk, a closed descriptor). Registered with atexit() by main. */
void dlp_cli_close_stdout(void)
{
	int e;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout)) {
		/* EBADF: stdout was closed and nothing was printed to it */
		if (fclose(stdout) == 0 || errno == EBADF)
			return;
	}
	e = errno;
	/* errno is gone when the failed write was an earlier one (a reader
	 * that closed the pipe with SIGPIPE ignored): say what it can be */
	if (e)
		dlp_cli_fail("cannot write to standard output: %s", strerror(e));
	else
		dlp_cli_fail("cannot write to standard output: an earlier write failed (a closed pipe or a full "
			     "disk)");
	_exit(DLP_EXIT_RUNTIME);
}
