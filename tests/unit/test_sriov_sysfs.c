// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sriov_sysfs.c - SR-IOV discovery, VF count and vfio-pci binding
 * against a fixture sysfs tree (tests/data/sriov/tree, copied to a
 * temporary directory because the writes land in it) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../sriov/sriov.h"

#define PFDEV "devices/pci0000:00/0000:01:00.0"

static char root[256];

/* Writes of exactly one of these strings fail with refuse_errno, as the
 * kernel answers a write to sriov_numvfs that the driver refuses (the
 * fixture's regular files take anything). */
static const char *refuse[2];
static int refuse_errno;

/* Takes the place of libc's write() for the code under test. */
ssize_t write(int fd, const void *buf, size_t n)
{
	for (size_t i = 0; i < 2; i++)
		if (refuse[i] && n == strlen(refuse[i]) &&
		    !memcmp(buf, refuse[i], n)) {
			errno = refuse_errno;
			return -1;
		}
	return syscall(SYS_write, fd, buf, n);
}

static int setup(void **state)
{
	char cmd[600];
	const char *src = getenv("VNET_SRCDIR");

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vnet-sriov-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -a %s/tests/data/sriov/tree/. %s/",
		 src ? src : ".", root);
	return system(cmd) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) ? -1 : 0;
}

static void slurp(const char *rel, char *buf, size_t size)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = 0;
	fclose(f);
}

static void put(const char *rel, const char *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void relink(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
}

static void test_pf_get(void **state)
{
	struct sriov_pf pf;
	char err[256];

	(void)state;
	assert_int_equal(sriov_pf_get(root, "eth1", &pf, err, sizeof(err)), 0);
	assert_string_equal(pf.name, "eth1");
	assert_string_equal(pf.pci, "0000:01:00.0");
	assert_string_equal(pf.driver, "igb");
	assert_int_equal(pf.total_vfs, 7);
	assert_int_equal(pf.num_vfs, 2);
	assert_int_equal(pf.n_vfs, 2);
	assert_int_equal(pf.vfs[0].index, 0);
	assert_string_equal(pf.vfs[0].pci, "0000:01:10.0");
	assert_string_equal(pf.vfs[0].driver, "igbvf");
	assert_string_equal(pf.vfs[0].netdev, "eth2");
	assert_int_equal(pf.vfs[0].iommu_group, 9);
	assert_int_equal(pf.vfs[1].index, 1);
	assert_string_equal(pf.vfs[1].pci, "0000:01:10.2");
	assert_string_equal(pf.vfs[1].driver, "vfio-pci");
	assert_string_equal(pf.vfs[1].netdev, "");
	assert_int_equal(pf.vfs[1].iommu_group, 10);
	sriov_pf_free(&pf);
	sriov_pf_free(NULL);
}

/* Bad input: each refused with a sentence that names the device. */
static void test_pf_refusals(void **state)
{
	static const struct {
		const char *name;
		int ret;
		const char *msg;
	} cases[] = {
	    {"eth0", -EOPNOTSUPP, "eth0 is not an SR-IOV physical function"},
	    {"eth2", -EOPNOTSUPP, "eth2 is not an SR-IOV physical function"},
	    {"lo", -EOPNOTSUPP, "lo is not an SR-IOV physical function"},
	    {"eth9", -ENODEV, "no network device 'eth9'"},
	    {"../eth1", -EINVAL, "is not a network device name"},
	    {"", -EINVAL, "is not a network device name"},
	    {".", -EINVAL, "is not a network device name"},
	    {"averyveryverylongname", -EINVAL, "is not a network"},
	};
	struct sriov_pf pf;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		assert_int_equal(
		    sriov_pf_get(root, cases[i].name, &pf, err, sizeof(err)),
		    cases[i].ret);
		assert_non_null(strstr(err, cases[i].msg));
		sriov_pf_free(&pf);
	}
}

static void test_scan(void **state)
{
	struct sriov_pf *pfs;
	unsigned n;

	(void)state;
	assert_int_equal(sriov_pf_scan(root, &pfs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pfs[0].name, "eth1");
	assert_int_equal(pfs[0].n_vfs, 2);
	sriov_pfs_free(pfs, n);
	assert_int_equal(sriov_pf_scan("/nonexistent", &pfs, &n), -ENOENT);
	assert_int_equal(n, 0);
}

static void test_numvfs(void **state)
{
	char err[256], buf[32];

	(void)state;
	assert_int_equal(sriov_set_numvfs(root, "eth1", 8, err, sizeof(err)),
			 -ERANGE);
	assert_string_equal(err, "eth1 supports at most 7 VFs (asked for 8)");
	slurp(PFDEV "/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "2\n");
	assert_int_equal(sriov_set_numvfs(root, "eth0", 1, err, sizeof(err)),
			 -EOPNOTSUPP);
	/* Same count: nothing written. */
	put(PFDEV "/sriov_numvfs", "2\n");
	assert_int_equal(sriov_set_numvfs(root, "eth1", 2, err, sizeof(err)),
			 0);
	slurp(PFDEV "/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "2\n");
	/* 2 -> 3 goes through 0; the fixture keeps the last write. */
	assert_int_equal(sriov_set_numvfs(root, "eth1", 3, err, sizeof(err)),
			 0);
	slurp(PFDEV "/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "3");
	assert_int_equal(sriov_set_numvfs(root, "eth1", 0, err, sizeof(err)),
			 0);
	slurp(PFDEV "/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "0");
}

/* The fixture cannot move the driver link, so the bind writes everything
 * in order, finds igbvf still there, and undoes the override. */
static void test_vfio_bind_sequence(void **state)
{
	char err[256], buf[64];

	(void)state;
	put("bus/pci/drivers_probe", "");
	assert_int_equal(
	    sriov_vfio_bind(root, "0000:01:10.0", err, sizeof(err)), -EIO);
	assert_non_null(
	    strstr(err, "vfio-pci did not take it (driver: igbvf)"));
	slurp("bus/pci/drivers/igbvf/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:10.0");
	slurp("bus/pci/drivers/vfio-pci/bind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:10.0");
	/* undone: override cleared, host driver probed again */
	slurp("devices/pci0000:00/0000:01:10.0/driver_override", buf,
	      sizeof(buf));
	assert_string_equal(buf, "\n");
	slurp("bus/pci/drivers_probe", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:10.0");
	/* Once vfio-pci has it, binding again changes nothing. */
	relink("devices/pci0000:00/0000:01:10.0/driver",
	       "../../../bus/pci/drivers/vfio-pci");
	put("bus/pci/drivers/vfio-pci/bind", "");
	assert_int_equal(
	    sriov_vfio_bind(root, "0000:01:10.0", err, sizeof(err)), 0);
	slurp("bus/pci/drivers/vfio-pci/bind", buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_vfio_refusals(void **state)
{
	char err[256], path[512];

	(void)state;
	assert_int_equal(
	    sriov_vfio_bind(root, "0000:01:10.9", err, sizeof(err)), -ENODEV);
	assert_int_equal(sriov_vfio_bind(root, "../../etc", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sriov_vfio_bind(root, NULL, err, sizeof(err)),
			 -EINVAL);
	/* no IOMMU */
	snprintf(path, sizeof(path),
		 "%s/devices/pci0000:00/0000:01:10.0/iommu_group", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
	    sriov_vfio_bind(root, "0000:01:10.0", err, sizeof(err)),
	    -EOPNOTSUPP);
	assert_non_null(strstr(err, "has no IOMMU group"));
	assert_int_equal(symlink("../../../kernel/iommu_groups/9", path), 0);
	/* no vfio-pci driver */
	snprintf(path, sizeof(path), "rm -rf %s/bus/pci/drivers/vfio-pci",
		 root);
	assert_int_equal(system(path), 0);
	assert_int_equal(
	    sriov_vfio_bind(root, "0000:01:10.0", err, sizeof(err)),
	    -EOPNOTSUPP);
	assert_non_null(strstr(err, "modprobe vfio-pci"));
}

static void test_vfio_release(void **state)
{
	char err[256], buf[64], drv[32];

	(void)state;
	/* Still on vfio-pci afterwards (a fixture): unbind, override cleared,
	 * probe asked for, and the failure said. */
	assert_int_equal(sriov_vfio_release(root, "0000:01:10.2", drv,
					    sizeof(drv), err, sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "no host driver took it"));
	slurp("bus/pci/drivers/vfio-pci/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:10.2");
	slurp("devices/pci0000:00/0000:01:10.2/driver_override", buf,
	      sizeof(buf));
	assert_string_equal(buf, "\n");
	slurp("bus/pci/drivers_probe", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:10.2");
	/* The host driver has it back: 0 and its name. */
	relink("devices/pci0000:00/0000:01:10.2/driver",
	       "../../../bus/pci/drivers/igbvf");
	assert_int_equal(sriov_vfio_release(root, "0000:01:10.2", drv,
					    sizeof(drv), err, sizeof(err)),
			 0);
	assert_string_equal(drv, "igbvf");
	assert_int_equal(
	    sriov_vf_driver(root, "0000:01:10.2", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "igbvf");
}

/* A file under the fixture's dev/ standing in for a VFIO node, held open
 * by this process as a VM would hold /dev/vfio/GROUP; returns the fd. */
static int hold(const char *rel)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "mkdir -p $(dirname %s/dev/%s)", root,
		 rel);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/dev/%s", root, rel);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	return fd;
}

/* A VF whose VFIO group (or device cdev) a process holds is named with
 * that process's pid; nothing held, nothing found. */
static void test_vf_user(void **state)
{
	const char *both[] = {"0000:01:10.0", "0000:01:10.2"};
	char dev[300], err[256], want[128], path[512];
	struct sriov_pf pf;
	unsigned which;
	int pid = -1, fd;

	(void)state;
	snprintf(dev, sizeof(dev), "%s/dev", root);
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.2", &pid), 0);
	fd = hold("vfio/10"); /* VF 1's group */
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.2", &pid), 1);
	assert_int_equal(pid, getpid());
	/* VF 0 (group 9) is not held */
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.0", &pid), 0);
	/* several VFs in one pass: the held one is named */
	assert_int_equal(
	    sriov_vfs_user(root, "/proc", dev, both, 2, &which, &pid), 1);
	assert_int_equal(which, 1);
	assert_int_equal(pid, getpid());
	assert_int_equal(
	    sriov_vfs_user(root, "/proc", dev, both, 1, &which, &pid), 0);
	assert_int_equal(sriov_pf_get(root, "eth1", &pf, err, sizeof(err)), 0);
	assert_int_equal(
	    sriov_pf_users(root, "/proc", dev, &pf, err, sizeof(err)), -EBUSY);
	snprintf(want, sizeof(want),
		 "VF 0000:01:10.2 (VF 1 of eth1) is in "
		 "use by pid %d: stop the VM first",
		 (int)getpid());
	assert_string_equal(err, want);
	assert_int_equal(
	    sriov_pf_users(root, "/nonexistent", dev, &pf, err, sizeof(err)),
	    -ENOENT);
	close(fd);
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.2", &pid), 0);
	assert_int_equal(
	    sriov_pf_users(root, "/proc", dev, &pf, err, sizeof(err)), 0);
	/* the iommufd cdev of the device */
	snprintf(path, sizeof(path),
		 "mkdir -p %s/devices/pci0000:00/0000:01:10.2/vfio-dev/vfio3",
		 root);
	assert_int_equal(system(path), 0);
	fd = hold("vfio/devices/vfio3");
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.2", &pid), 1);
	assert_int_equal(pid, getpid());
	close(fd);
	assert_int_equal(sriov_vf_user(root, "/proc", dev, "../x", &pid),
			 -EINVAL);
	/* vfio-pci enabled the device: in use, by a process not visible */
	put("devices/pci0000:00/0000:01:10.2/enable", "1\n");
	assert_int_equal(
	    sriov_vf_user(root, "/nonexistent", dev, "0000:01:10.2", &pid), 1);
	assert_int_equal(pid, 0);
	assert_int_equal(
	    sriov_pf_users(root, "/proc", dev, &pf, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "VF 0000:01:10.2 (VF 1 of eth1) is in use "
				 "by a VM (vfio-pci has it enabled): stop the "
				 "VM first");
	put("devices/pci0000:00/0000:01:10.2/enable", "0\n");
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.2", &pid), 0);
	/* a host driver enables it too: that is not a VM */
	put("devices/pci0000:00/0000:01:10.0/enable", "1\n");
	assert_int_equal(
	    sriov_vf_user(root, "/proc", dev, "0000:01:10.0", &pid), 0);
	sriov_pf_free(&pf);
}

/* A count the driver refuses: the old count is asked for again, and the
 * reply says what the PF has now. */
static void test_numvfs_refused(void **state)
{
	char err[256], buf[32];

	(void)state;
	refuse_errno = ENOMEM;
	refuse[0] = "3";
	assert_int_equal(sriov_set_numvfs(root, "eth1", 3, err, sizeof(err)),
			 -ENOMEM);
	assert_string_equal(err, "eth1: the driver refused 3 VFs: Cannot "
				 "allocate memory; it has its 2 VFs again "
				 "(made anew, their settings cleared)");
	slurp(PFDEV "/sriov_numvfs", buf, sizeof(buf));
	assert_string_equal(buf, "2");
	/* the old count refused too: it has none, and says so */
	refuse[1] = "2";
	assert_int_equal(sriov_set_numvfs(root, "eth1", 3, err, sizeof(err)),
			 -ENOMEM);
	assert_string_equal(err, "eth1: the driver refused 3 VFs: Cannot "
				 "allocate memory; it has 0 VFs now (asking "
				 "for its 2 again: Cannot allocate memory)");
	/* from none: nothing to put back */
	assert_int_equal(sriov_set_numvfs(root, "eth1", 3, err, sizeof(err)),
			 -ENOMEM);
	assert_string_equal(err, "eth1: the driver refused 3 VFs: Cannot "
				 "allocate memory; it has 0 VFs");
	refuse[0] = refuse[1] = NULL;
}

static atomic_int late_ret = 1;

static void late(const char *pci, int ret, const char *driver, const char *err)
{
	(void)pci;
	(void)driver;
	(void)err;
	atomic_store(&late_ret, ret);
}

/* An unbind that waits (a FIFO nobody reads stands in for vfio-pci's
 * unbind waiting for the VM): the caller is back after its wait, and the
 * release finishes on its own once the write goes through. */
static void test_release_wait(void **state)
{
	char path[512], buf[64], err[256], drv[32];
	struct timespec a, b;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci/unbind",
		 root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(sriov_vfio_release_wait(root, "0000:01:10.2", 200,
						 late, drv, sizeof(drv), err,
						 sizeof(err)),
			 -EINPROGRESS);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	assert_non_null(strstr(err, "waits for a VFIO user"));
	assert_int_equal(atomic_load(&late_ret), 1);
	/* the "VM" lets go: the write completes, the release goes on (the
	 * fixture keeps vfio-pci, so it ends in -EIO) and says so late */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, "0000:01:10.2");
	close(fd);
	for (int i = 0; i < 200 && atomic_load(&late_ret) == 1; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&late_ret), -EIO);
	/* a release that does not wait is answered as it is */
	assert_int_equal(unlink(path), 0);
	put("bus/pci/drivers/vfio-pci/unbind", "");
	assert_int_equal(sriov_vfio_release_wait(root, "0000:01:10.2", 200,
						 late, drv, sizeof(drv), err,
						 sizeof(err)),
			 -EIO);
	assert_non_null(strstr(err, "no host driver took it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pf_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pf_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_numvfs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vfio_bind_sequence, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_vfio_refusals, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_vfio_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vf_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_numvfs_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_release_wait, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
