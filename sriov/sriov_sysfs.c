// SPDX-License-Identifier: GPL-2.0-or-later
/* sriov_sysfs.c - SR-IOV in sysfs: find physical functions and their VFs,
 * set the number of VFs, hand a VF to vfio-pci and give it back
 *
 * Layout read (relative to the root, "/sys" on a host):
 *   class/net/PF/device            -> the PF's PCI device
 *   .../device/sriov_totalvfs, sriov_numvfs, driver, virtfnN -> VF device
 *   bus/pci/devices/VF/{driver, iommu_group, net/IF, driver_override}
 *   bus/pci/drivers/vfio-pci/bind, bus/pci/drivers_probe
 * Names and PCI addresses that go into paths are checked first (a device
 * name with '/' or a PCI address in the wrong shape is refused), so no
 * caller-supplied string walks out of the tree.
 */
#include "sriov.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int path_fmt(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A device name as it may appear in a path: what the kernel allows in an
 * interface name, minus '/' and a leading '.'. */
static bool ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n >= SRIOV_IFNAME_LEN || s[0] == '.')
		return false;
	for (; *s; s++)
		if (*s == '/' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}

/* "DDDD:BB:DD.F", hexadecimal. */
static bool pci_ok(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";

	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i])
				    : s[i] != shape[i])
			return false;
	return true;
}

/* A sysfs attribute as one line, without its newline. */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int read_uint(const char *path, unsigned *v)
{
	char buf[32], *end;
	unsigned long x;
	int ret = read_line(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	x = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || x > UINT_MAX)
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}

/* Write a sysfs attribute in one write(2); the kernel's answer is the
 * write's errno. */
static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* The last component of a symlink's target ("../../0000:01:10.0"). */
static int link_base(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	snprintf(buf, size, "%s", base);
	return 0;
}

/* The first entry of a directory (a VF's net/ holds its one device). */
static void first_entry(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	buf[0] = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] != '.' && n < size) {
			memcpy(buf, de->d_name, n + 1);
			break;
		}
	}
	closedir(d);
}

/**
 * sriov_vf_driver() - the driver a PCI function is bound to
 * @root: sysfs root
 * @pci: PCI address
 * @driver: filled with the driver's name, "" when none
 * @size: room in @driver
 *
 * Return: 0, -EINVAL for a malformed address, -ENODEV when there is no such
 * device
 */
int sriov_vf_driver(const char *root, const char *pci, char *driver,
		    size_t size)
{
	char path[PATH_MAX];
	int ret;

	driver[0] = 0;
	if (!pci_ok(pci))
		return -EINVAL;
	if (path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s", root, pci))
		return -ENAMETOOLONG;
	if (access(path, F_OK))
		return -ENODEV;
	if (path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root,
		     pci))
		return -ENAMETOOLONG;
	ret = link_base(path, driver, size);
	if (ret == -ENOENT) {
		driver[0] = 0;
		return 0;
	}
	return ret;
}

static void vf_describe(const char *root, struct sriov_vf_dev *vf)
{
	char path[PATH_MAX], group[16];

	vf->iommu_group = -1;
	if (sriov_vf_driver(root, vf->pci, vf->driver, sizeof(vf->driver)))
		vf->driver[0] = 0;
	if (!path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		      root, vf->pci) &&
	    !link_base(path, group, sizeof(group)))
		vf->iommu_group = atoi(group);
	vf->netdev[0] = 0;
	if (!path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/net", root,
		      vf->pci))
		first_entry(path, vf->netdev, sizeof(vf->netdev));
}

/**
 * sriov_pf_get() - one physical function and its VFs
 * @root: sysfs root
 * @name: its network device
 * @pf: filled in; free with sriov_pf_free()
 * @err: the reason, for a user, when it fails
 * @errlen: room in @err
 *
 * Return: 0; -EINVAL for a malformed name, -ENODEV when there is no such
 * device, -EOPNOTSUPP when it has no SR-IOV capability, -ENOMEM
 */
int sriov_pf_get(const char *root, const char *name, struct sriov_pf *pf,
		 char *err, size_t errlen)
{
	char dev[PATH_MAX], path[PATH_MAX];
	int ret;

	memset(pf, 0, sizeof(*pf));
	if (!ifname_ok(name)) {
		err_set(err, errlen, "'%s' is not a network device name",
			name ? name : "");
		return -EINVAL;
	}
	snprintf(pf->name, sizeof(pf->name), "%s", name);
	if (path_fmt(dev, sizeof(dev), "%s/class/net/%s/device", root, name))
		return -ENAMETOOLONG;
	if (path_fmt(path, sizeof(path), "%s/class/net/%s", root, name) ||
	    access(path, F_OK)) {
		err_set(err, errlen, "no network device '%s'", name);
		return -ENODEV;
	}
	if (path_fmt(path, sizeof(path), "%s/sriov_totalvfs", dev) ||
	    read_uint(path, &pf->total_vfs)) {
		err_set(err, errlen,
			"%s is not an SR-IOV physical function (no "
			"sriov_totalvfs: a virtual device, a VF, or a NIC or "
			"driver without SR-IOV)",
			name);
		return -EOPNOTSUPP;
	}
	if (path_fmt(path, sizeof(path), "%s/sriov_numvfs", dev) ||
	    read_uint(path, &pf->num_vfs))
		pf->num_vfs = 0;
	if (link_base(dev, pf->pci, sizeof(pf->pci)))
		pf->pci[0] = 0;
	if (path_fmt(path, sizeof(path), "%s/driver", dev) ||
	    link_base(path, pf->driver, sizeof(pf->driver)))
		pf->driver[0] = 0;
	if (!pf->num_vfs)
		return 0;
	pf->vfs = calloc(SRIOV_MAX_VFS, sizeof(*pf->vfs));
	if (!pf->vfs) {
		err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < pf->num_vfs && i < SRIOV_MAX_VFS; i++) {
		struct sriov_vf_dev *vf = &pf->vfs[pf->n_vfs];

		if (path_fmt(path, sizeof(path), "%s/virtfn%u", dev, i))
			break;
		ret = link_base(path, vf->pci, sizeof(vf->pci));
		if (ret || !pci_ok(vf->pci))
			continue;
		vf->index = i;
		vf_describe(root, vf);
		pf->n_vfs++;
	}
	return 0;
}

/**
 * sriov_pf_free() - free what sriov_pf_get() allocated
 * @pf: the PF (may be NULL)
 */
void sriov_pf_free(struct sriov_pf *pf)
{
	if (!pf)
		return;
	free(pf->vfs);
	pf->vfs = NULL;
	pf->n_vfs = 0;
}

/**
 * sriov_pfs_free() - free an array from sriov_pf_scan()
 * @pfs: the array (may be NULL)
 * @n: its length
 */
void sriov_pfs_free(struct sriov_pf *pfs, unsigned n)
{
	for (unsigned i = 0; pfs && i < n; i++)
		sriov_pf_free(&pfs[i]);
	free(pfs);
}

static int pf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sriov_pf *)a)->name,
		      ((const struct sriov_pf *)b)->name);
}

/**
 * sriov_pf_scan() - every SR-IOV physical function, by name
 * @root: sysfs root
 * @pfs: filled with an array; free with sriov_pfs_free()
 * @n: its length
 *
 * Return: 0 (possibly with none), or -errno when class/net cannot be read
 */
int sriov_pf_scan(const char *root, struct sriov_pf **pfs, unsigned *n)
{
	char path[PATH_MAX];
	struct sriov_pf *v = NULL;
	unsigned cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	*pfs = NULL;
	*n = 0;
	if (path_fmt(path, sizeof(path), "%s/class/net", root))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct sriov_pf pf;

		if (de->d_name[0] == '.' ||
		    sriov_pf_get(root, de->d_name, &pf, NULL, 0))
			continue;
		if (cnt == cap) {
			unsigned ncap = cap ? cap * 2 : 4;
			struct sriov_pf *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				sriov_pf_free(&pf);
				ret = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt++] = pf;
	}
	closedir(d);
	if (ret) {
		sriov_pfs_free(v, cnt);
		return ret;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), pf_cmp);
	*pfs = v;
	*n = cnt;
	return 0;
}

/* Which of @want (n of them) the fd link @path points at, -1 for none. */
static int fd_match(const char *path, char (*want)[PATH_MAX], unsigned n)
{
	char target[PATH_MAX];
	ssize_t len = readlink(path, target, sizeof(target) - 1);

	if (len < 0)
		return -1;
	target[len] = 0;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(target, want[i]))
			return (int)i;
	return -1;
}

/* The first process in @proc with an fd on one of @want, 0 when none;
 * @hit is set to which. */
static int proc_holder(const char *proc, char (*want)[PATH_MAX], unsigned n,
		       unsigned *hit)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de, *fe;
	DIR *d = opendir(proc), *fd;
	int pid = 0, i;

	if (!d)
		return -errno;
	while (!pid && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    path_fmt(dir, sizeof(dir), "%s/%s/fd", proc, de->d_name) ||
		    !(fd = opendir(dir)))
			continue; /* gone meanwhile, or not a process */
		while ((fe = readdir(fd)))
			if (fe->d_name[0] != '.' &&
			    !path_fmt(path, sizeof(path), "%s/%s", dir,
				      fe->d_name) &&
			    (i = fd_match(path, want, n)) >= 0) {
				pid = atoi(de->d_name);
				*hit = (unsigned)i;
				break;
			}
		closedir(fd);
	}
	closedir(d);
	return pid;
}

/* The device files a VM holds while it uses the VF at @pci (its VFIO
 * group, no-IOMMU group and device cdev), appended to @want at @n. */
static unsigned vf_files(const char *root, const char *dev, const char *pci,
			 char (*want)[PATH_MAX], unsigned n)
{
	char path[PATH_MAX], name[SRIOV_IFNAME_LEN * 2];

	if (!path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		      root, pci) &&
	    !link_base(path, name, sizeof(name))) {
		if (!path_fmt(want[n], sizeof(want[n]), "%s/vfio/%s", dev,
			      name))
			n++;
		if (!path_fmt(want[n], sizeof(want[n]), "%s/vfio/noiommu-%s",
			      dev, name))
			n++;
	}
	if (!path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/vfio-dev",
		      root, pci)) {
		first_entry(path, name, sizeof(name));
		if (name[0] && !path_fmt(want[n], sizeof(want[n]),
					 "%s/vfio/devices/%s", dev, name))
			n++;
	}
	return n;
}

/* Has vfio-pci enabled the VF at @pci (a user has it open)? */
static bool vfio_enabled(const char *root, const char *pci)
{
	char path[PATH_MAX], drv[SRIOV_DRV_LEN];
	unsigned enabled = 0;

	return !sriov_vf_driver(root, pci, drv, sizeof(drv)) &&
	       !strcmp(drv, SRIOV_VFIO_DRIVER) &&
	       !path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/enable",
			 root, pci) &&
	       !read_uint(path, &enabled) && enabled > 0;
}

/**
 * sriov_vfs_user() - the first of several VFs a VM holds: one pass over
 * /proc for all of them
 * @root: sysfs root
 * @proc: procfs root ("/proc"; its PID/fd links are read)
 * @dev: device directory the fd links point into ("/dev")
 * @pcis: the VFs' PCI addresses
 * @n: how many
 * @which: filled with the index in @pcis of the VF in use
 * @pid: filled with the holder's pid
 *
 * A VM (QEMU, vnet-vmm, libvirt's QEMU) holds /dev/vfio/GROUP, or the
 * device's cdev /dev/vfio/devices/vfioN, for as long as it uses the VF;
 * while it does, unbinding the VF from vfio-pci (and so removing VFs)
 * waits in the kernel until the VM lets go.  Nothing may change such a VF.
 *
 * Two signs, either enough: vfio-pci enables the PCI device while a user
 * has it open (sysfs "enable" reads 1; needs no privilege, so it holds
 * when the VM runs as another user or with more capabilities than the
 * caller, whose /proc/PID/fd the kernel then hides), and a process with
 * an fd on the group or cdev (which names the pid).  Reading every
 * process's fds is the expensive part: it is done once, whatever @n.
 *
 * Return: 1 when one is in use (@which set; @pid set to the holder, 0
 * when no visible process has it), 0 when none is, -EINVAL for a
 * malformed address, -ENOMEM, -errno when @proc cannot be read and
 * "enable" says nothing
 */
int sriov_vfs_user(const char *root, const char *proc, const char *dev,
		   const char *const *pcis, unsigned n, unsigned *which,
		   int *pid)
{
	char(*want)[PATH_MAX];
	unsigned *of, nw = 0, hit = 0;
	int ret = 0, enabled = -1;

	*pid = 0;
	*which = 0;
	for (unsigned i = 0; i < n; i++)
		if (!pci_ok(pcis[i]))
			return -EINVAL;
	if (!n)
		return 0;
	want = calloc((size_t)n * 3, sizeof(*want));
	of = calloc((size_t)n * 3, sizeof(*of));
	if (!want || !of) {
		free(want);
		free(of);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned before = nw;

		if (enabled < 0 && vfio_enabled(root, pcis[i]))
			enabled = (int)i;
		nw = vf_files(root, dev, pcis[i], want, nw);
		while (before < nw)
			of[before++] = i;
	}
	if (nw)
		ret = proc_holder(proc, want, nw, &hit);
	if (ret > 0) {
		*pid = ret;
		*which = of[hit];
		ret = 1;
	} else if (enabled >= 0) {
		*which = (unsigned)enabled;
		ret = 1;
	}
	free(want);
	free(of);
	return ret;
}

/**
 * sriov_vf_user() - the process holding a VF's VFIO group or device open
 * @root: sysfs root
 * @proc: procfs root
 * @dev: device directory
 * @pci: the VF's PCI address
 * @pid: filled with the holder's pid
 *
 * Return: as sriov_vfs_user() for this one VF
 */
int sriov_vf_user(const char *root, const char *proc, const char *dev,
		  const char *pci, int *pid)
{
	unsigned which;

	return sriov_vfs_user(root, proc, dev, &pci, 1, &which, pid);
}

/**
 * sriov_users_err() - the sentence for a VF sriov_vfs_user() found in use
 * @pci: its PCI address
 * @pid: the holder, 0 when not visible
 * @err: filled with the sentence
 * @errlen: room in @err
 */
void sriov_users_err(const char *pci, int pid, char *err, size_t errlen)
{
	if (pid)
		err_set(err, errlen,
			"VF %s is in use by pid %d: stop the VM first", pci,
			pid);
	else
		err_set(err, errlen,
			"VF %s is in use by a VM (vfio-pci has it enabled): "
			"stop the VM first",
			pci);
}

/**
 * sriov_pf_users() - is any VF of a PF on vfio-pci and held by a process
 * @root: sysfs root
 * @proc: procfs root
 * @dev: device directory
 * @pf: the PF, from sriov_pf_get()
 * @err: filled with the sentence naming the VF and the pid when one is
 * @errlen: room in @err
 *
 * Return: 0 when none is, -EBUSY when one is, -errno when /proc cannot be
 * read (then nothing is known: the caller must not go on)
 */
int sriov_pf_users(const char *root, const char *proc, const char *dev,
		   const struct sriov_pf *pf, char *err, size_t errlen)
{
	const char *pcis[SRIOV_MAX_VFS];
	unsigned idx[SRIOV_MAX_VFS], n = 0, which;
	char pci[SRIOV_PCI_LEN + 32];
	int pid, ret;

	for (unsigned i = 0; i < pf->n_vfs && n < SRIOV_MAX_VFS; i++)
		if (!strcmp(pf->vfs[i].driver, SRIOV_VFIO_DRIVER)) {
			idx[n] = i;
			pcis[n++] = pf->vfs[i].pci;
		}
	ret = sriov_vfs_user(root, proc, dev, pcis, n, &which, &pid);
	if (ret < 0) {
		err_set(err, errlen,
			"cannot tell whether the VFs of %s are in use: cannot "
			"read %s: %s",
			pf->name, proc, strerror(-ret));
		return ret;
	}
	if (!ret)
		return 0;
	snprintf(pci, sizeof(pci), "%s (VF %u of %s)", pcis[which],
		 pf->vfs[idx[which]].index, pf->name);
	sriov_users_err(pci, pid, err, errlen);
	return -EBUSY;
}

/**
 * sriov_set_numvfs() - give a PF this many VFs
 * @root: sysfs root
 * @pf: its network device
 * @n: how many (0 removes them)
 * @err: the reason, for a user, when it fails
 * @errlen: room in @err
 *
 * The kernel takes a new count only from zero, so a change between two
 * non-zero counts goes through zero: the old VFs are destroyed.  The
 * caller makes sure none is in use.  When the driver refuses the new
 * count, the old one is asked for again (new VFs, clean), and @err says
 * how many the PF has now.
 *
 * Return: 0; -ERANGE when @n is above sriov_totalvfs; what sriov_pf_get()
 * returns; the kernel's errno for the write
 */
int sriov_set_numvfs(const char *root, const char *pf, unsigned n, char *err,
		     size_t errlen)
{
	struct sriov_pf p;
	char path[PATH_MAX], num[16];
	unsigned now = 0;
	int ret = sriov_pf_get(root, pf, &p, err, errlen), back;

	if (ret)
		return ret;
	sriov_pf_free(&p);
	if (n > p.total_vfs) {
		err_set(err, errlen,
			"%s supports at most %u VFs (asked for %u)", pf,
			p.total_vfs, n);
		return -ERANGE;
	}
	if (n == p.num_vfs)
		return 0;
	if (path_fmt(path, sizeof(path), "%s/class/net/%s/device/sriov_numvfs",
		     root, pf))
		return -ENAMETOOLONG;
	if (p.num_vfs && n && (ret = write_str(path, "0"))) {
		err_set(err, errlen, "%s: cannot remove its %u VFs: %s", pf,
			p.num_vfs, strerror(-ret));
		return ret;
	}
	snprintf(num, sizeof(num), "%u", n);
	ret = write_str(path, num);
	if (ret) {
		back = 0;
		if (p.num_vfs) {
			snprintf(num, sizeof(num), "%u", p.num_vfs);
			back = write_str(path, num);
		}
		if (read_uint(path, &now))
			now = 0;
		if (p.num_vfs && !back && now == p.num_vfs)
			err_set(err, errlen,
				"%s: the driver refused %u VFs: %s; it has "
				"its %u VFs again (made anew, their settings "
				"cleared)",
				pf, n, strerror(-ret), now);
		else if (p.num_vfs)
			err_set(err, errlen,
				"%s: the driver refused %u VFs: %s; it has %u "
				"VFs now (asking for its %u again: %s)",
				pf, n, strerror(-ret), now, p.num_vfs,
				back ? strerror(-back) : "not taken");
		else
			err_set(err, errlen,
				"%s: the driver refused %u VFs: %s; it has %u "
				"VFs",
				pf, n, strerror(-ret), now);
		return ret;
	}
	if (read_uint(path, &now)) {
		err_set(err, errlen,
			"%s: asked for %u VFs; cannot read back how many it "
			"has",
			pf, n);
		return -EIO;
	}
	if (now != n) {
		err_set(err, errlen, "%s: asked for %u VFs, it has %u", pf, n,
			now);
		return -EIO;
	}
	return 0;
}

/* Ask the kernel to find a driver for @pci again (after driver_override
 * was set or cleared). */
static int reprobe(const char *root, const char *pci)
{
	char path[PATH_MAX];

	if (path_fmt(path, sizeof(path), "%s/bus/pci/drivers_probe", root))
		return -ENAMETOOLONG;
	return write_str(path, pci);
}

static int unbind(const char *root, const char *pci, const char *driver)
{
	char path[PATH_MAX];

	if (path_fmt(path, sizeof(path), "%s/bus/pci/drivers/%s/unbind", root,
		     driver))
		return -ENAMETOOLONG;
	return write_str(path, pci);
}

static int set_override(const char *root, const char *pci, const char *drv)
{
	char path[PATH_MAX];

	if (path_fmt(path, sizeof(path),
		     "%s/bus/pci/devices/%s/driver_override", root, pci))
		return -ENAMETOOLONG;
	/* A lone newline clears it. */
	return write_str(path, drv ? drv : "\n");
}

/**
 * sriov_vfio_bind() - hand a VF to vfio-pci
 * @root: sysfs root
 * @pci: its PCI address
 * @err: the reason, for a user, when it fails
 * @errlen: room in @err
 *
 * driver_override first (so no other driver grabs it in between), then
 * unbind from its driver, then bind to vfio-pci, then check that vfio-pci
 * has it.  On any failure the override is cleared and the host driver
 * probed again: the VF is left as it was.  A VF already on vfio-pci is
 * left alone (0).
 *
 * Return: 0; -EINVAL for a malformed address; -ENODEV without the device;
 * -EOPNOTSUPP without an IOMMU group or without vfio-pci loaded; the
 * kernel's errno; -EIO when vfio-pci did not take it
 */
int sriov_vfio_bind(const char *root, const char *pci, char *err, size_t errlen)
{
	char path[PATH_MAX], drv[SRIOV_DRV_LEN], now[SRIOV_DRV_LEN];
	int ret = sriov_vf_driver(root, pci, drv, sizeof(drv));

	if (ret) {
		err_set(err, errlen, "no PCI device '%s'", pci ? pci : "");
		return ret;
	}
	if (!strcmp(drv, SRIOV_VFIO_DRIVER))
		return 0;
	if (path_fmt(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		     root, pci))
		return -ENAMETOOLONG;
	if (access(path, F_OK)) {
		err_set(
		    err, errlen,
		    "%s has no IOMMU group: the host runs without an "
		    "IOMMU (enable VT-d/AMD-Vi and boot with intel_iommu=on "
		    "or amd_iommu=on); VFIO cannot take the VF",
		    pci);
		return -EOPNOTSUPP;
	}
	if (path_fmt(path, sizeof(path), "%s/bus/pci/drivers/%s", root,
		     SRIOV_VFIO_DRIVER))
		return -ENAMETOOLONG;
	if (access(path, F_OK)) {
		err_set(
		    err, errlen,
		    "the vfio-pci driver is not loaded (modprobe vfio-pci)");
		return -EOPNOTSUPP;
	}
	ret = set_override(root, pci, SRIOV_VFIO_DRIVER);
	if (ret) {
		err_set(err, errlen, "%s: cannot set driver_override: %s", pci,
			strerror(-ret));
		return ret;
	}
	if (drv[0] && (ret = unbind(root, pci, drv))) {
		err_set(err, errlen, "%s: cannot unbind it from %s: %s", pci,
			drv, strerror(-ret));
		goto undo;
	}
	if (path_fmt(path, sizeof(path), "%s/bus/pci/drivers/%s/bind", root,
		     SRIOV_VFIO_DRIVER))
		ret = -ENAMETOOLONG;
	else
		ret = write_str(path, pci);
	if (ret) {
		err_set(err, errlen, "%s: vfio-pci refused it: %s", pci,
			strerror(-ret));
		goto undo;
	}
	if (sriov_vf_driver(root, pci, now, sizeof(now)) ||
	    strcmp(now, SRIOV_VFIO_DRIVER)) {
		err_set(err, errlen,
			"%s: vfio-pci did not take it (driver: %s)", pci,
			now[0] ? now : "none");
		ret = -EIO;
		goto undo;
	}
	return 0;
undo:
	(void)set_override(root, pci, NULL);
	if (drv[0])
		(void)reprobe(root, pci);
	return ret;
}

/**
 * sriov_vfio_release() - take a VF from vfio-pci and give it back to its
 * host driver
 * @root: sysfs root
 * @pci: its PCI address
 * @driver: filled with the driver that took it (may be NULL)
 * @drvlen: room in @driver
 * @err: the reason, for a user, when it fails
 * @errlen: room in @err
 *
 * Unbind from vfio-pci (if there), clear driver_override, and let the
 * kernel probe the host driver again.
 *
 * Return: 0 when a driver other than vfio-pci has it now; -ENODEV without
 * the device; the kernel's errno; -EIO when no host driver took it
 */
int sriov_vfio_release(const char *root, const char *pci, char *driver,
		       size_t drvlen, char *err, size_t errlen)
{
	char drv[SRIOV_DRV_LEN];
	int ret = sriov_vf_driver(root, pci, drv, sizeof(drv));

	if (driver && drvlen)
		driver[0] = 0;
	if (ret) {
		err_set(err, errlen, "no PCI device '%s'", pci ? pci : "");
		return ret;
	}
	if (!strcmp(drv, SRIOV_VFIO_DRIVER) &&
	    (ret = unbind(root, pci, SRIOV_VFIO_DRIVER))) {
		err_set(err, errlen, "%s: cannot unbind it from vfio-pci: %s",
			pci, strerror(-ret));
		return ret;
	}
	ret = set_override(root, pci, NULL);
	if (ret) {
		err_set(err, errlen, "%s: cannot clear driver_override: %s",
			pci, strerror(-ret));
		return ret;
	}
	if (strcmp(drv, SRIOV_VFIO_DRIVER) && drv[0])
		goto done; /* it has its host driver */
	ret = reprobe(root, pci);
	if (ret && ret != -ENODEV) {
		err_set(err, errlen, "%s: cannot probe a driver for it: %s",
			pci, strerror(-ret));
		return ret;
	}
done:
	if (sriov_vf_driver(root, pci, drv, sizeof(drv)) || !drv[0] ||
	    !strcmp(drv, SRIOV_VFIO_DRIVER)) {
		err_set(err, errlen,
			"%s: released from vfio-pci but no host driver took "
			"it",
			pci);
		return -EIO;
	}
	if (driver && drvlen)
		snprintf(driver, drvlen, "%s", drv);
	return 0;
}

/**
 * struct release_job - a release on a thread of its own
 * @lock: guards @done, @abandoned and the results
 * @cond: signalled when @done
 * @done: the release returned
 * @abandoned: the caller stopped waiting; the thread frees the job
 * @ret: what sriov_vfio_release() returned
 * @late: called by the thread when abandoned (may be NULL)
 * @root: sysfs root
 * @pci: the VF
 * @drv: the driver that took it
 * @err: the reason it failed
 */
struct release_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, abandoned;
	int ret;
	sriov_release_done_fn *late;
	char root[PATH_MAX], pci[SRIOV_PCI_LEN], drv[SRIOV_DRV_LEN], err[256];
};

static void job_free(struct release_job *j)
{
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static void *release_run(void *arg)
{
	struct release_job *j = arg;
	char drv[SRIOV_DRV_LEN], err[256] = "";
	int ret = sriov_vfio_release(j->root, j->pci, drv, sizeof(drv), err,
				     sizeof(err));
	bool abandoned;

	pthread_mutex_lock(&j->lock);
	j->ret = ret;
	memcpy(j->drv, drv, sizeof(drv));
	memcpy(j->err, err, sizeof(err));
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (abandoned) {
		if (j->late)
			j->late(j->pci, j->ret, j->drv, j->err);
		job_free(j);
	}
	return NULL;
}

/**
 * sriov_vfio_release_wait() - sriov_vfio_release(), waiting for it at most
 * a while
 * @root: sysfs root
 * @pci: the VF's PCI address
 * @wait_ms: how long to wait
 * @late: called (on another thread) with the outcome of a release that
 *        took longer; may be NULL
 * @driver: filled with the driver that took it (may be NULL)
 * @drvlen: room in @driver
 * @err: the reason, for a user, when it fails
 * @errlen: room in @err
 *
 * Writing unbind waits in the kernel for as long as a VFIO user holds the
 * VF (vfio-pci asks the user to let go, and a VMM that does not listen
 * never does); the caller (vnetd's control thread) must not wait with it.
 * The release runs on a thread of its own; after @wait_ms the caller goes
 * on and the thread finishes when the VF is let go.  Without a thread the
 * release runs here.
 *
 * Return: what sriov_vfio_release() returns, or -EINPROGRESS when it is
 * still waiting after @wait_ms
 */
int sriov_vfio_release_wait(const char *root, const char *pci, unsigned wait_ms,
			    sriov_release_done_fn *late, char *driver,
			    size_t drvlen, char *err, size_t errlen)
{
	struct release_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	struct timespec until;
	pthread_t t;
	int ret, rc = 0;

	if (!j || !pci_ok(pci) ||
	    path_fmt(j->root, sizeof(j->root), "%s", root)) {
		free(j);
		return sriov_vfio_release(root, pci, driver, drvlen, err,
					  errlen);
	}
	snprintf(j->pci, sizeof(j->pci), "%s", pci);
	j->late = late;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&t, &attr, release_run, j);
	pthread_attr_destroy(&attr);
	if (ret) {
		job_free(j);
		return sriov_vfio_release(root, pci, driver, drvlen, err,
					  errlen);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&j->cond, &j->lock, &until);
	if (!j->done) {
		j->abandoned = true;
		pthread_mutex_unlock(&j->lock);
		if (driver && drvlen)
			driver[0] = 0;
		err_set(err, errlen,
			"%s: the unbind from vfio-pci waits for a VFIO user "
			"to let go of it (a VM that opened it just now?); it "
			"completes when it does",
			pci);
		return -EINPROGRESS;
	}
	ret = j->ret;
	if (driver && drvlen)
		snprintf(driver, drvlen, "%s", j->drv);
	if (ret)
		err_set(err, errlen, "%s", j->err);
	pthread_mutex_unlock(&j->lock);
	job_free(j);
	return ret;
}
