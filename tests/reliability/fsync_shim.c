/* Power cuts for the crash campaign: after each successful fsync or fdatasync of a ledger
 * file (.db, .db-wal) or an ack file (.acks), keep a copy of the file as it then was
 * ("<path>.synced"). A simulated power cut puts those copies back: only what was synced
 * survives. Built and loaded with LD_PRELOAD by tests/reliability/test_power_cut.py. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void keep(int fd) {
    char link[64], path[PATH_MAX], tmp[PATH_MAX + 16], final_[PATH_MAX + 16], buf[65536];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = 0;
    size_t len = strlen(path);
    int ours = (len > 3 && strcmp(path + len - 3, ".db") == 0) ||
               (len > 7 && strcmp(path + len - 7, ".db-wal") == 0) ||
               (len > 5 && strcmp(path + len - 5, ".acks") == 0);
    if (!ours) return;
    snprintf(tmp, sizeof tmp, "%s.synced-tmp", path);
    snprintf(final_, sizeof final_, "%s.synced", path);
    int in = open(path, O_RDONLY), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) { if (in >= 0) close(in); if (out >= 0) close(out); return; }
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0) { if (write(out, buf, r) != r) break; }
    close(in); close(out);
    rename(tmp, final_);
}
int fsync(int fd) {
    static int (*real)(int) = 0;
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    int rc = real(fd);
    if (rc == 0) keep(fd);
    return rc;
}
int fdatasync(int fd) {
    static int (*real)(int) = 0;
    if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
    int rc = real(fd);
    if (rc == 0) keep(fd);
    return rc;
}
