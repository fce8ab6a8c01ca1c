// SPDX-License-Identifier: GPL-2.0-or-later
/* sriov_probe.c - a helper for the SR-IOV guest test (built static, runs
 * inside the QEMU guest; no part of vnet)
 *
 *   sriov_probe nldump PF   print the kernel's RTM_NEWLINK reply for PF
 *                           with its VFs (IFLA_EXT_MASK RTEXT_FILTER_VF)
 *                           as hex: the bytes the unit tests replay
 *   sriov_probe vfio PCI    open the VFIO container, the device's group
 *                           and the device, and read its PCI config space:
 *                           prints "vfio PCI vendor:device group N regions R"
 *   sriov_probe hold PCI    the same, then keep them open (as a VM holds
 *                           its VF) until killed; "held" once they are
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/vfio.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int nldump(const char *pf)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		struct rtattr a;
		uint32_t mask;
	} req = {
	    .h = {.nlmsg_len = sizeof(req),
		  .nlmsg_type = RTM_GETLINK,
		  .nlmsg_flags = NLM_F_REQUEST,
		  .nlmsg_seq = 1},
	    .i = {.ifi_family = AF_UNSPEC},
	    .a = {.rta_len = RTA_LENGTH(4), .rta_type = IFLA_EXT_MASK},
	    .mask = RTEXT_FILTER_VF,
	};
	static unsigned char buf[65536];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t n;

	req.i.ifi_index = (int)if_nametoindex(pf);
	if (fd < 0 || !req.i.ifi_index || send(fd, &req, sizeof(req), 0) < 0)
		return 1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return 1;
	printf("NLDUMP %s %zd\n", pf, n);
	for (ssize_t i = 0; i < n; i++)
		printf("%02x%s", buf[i],
		       i % 32 == 31 || i == n - 1 ? "\n" : "");
	close(fd);
	return 0;
}

static int vfio(const char *pci, int hold)
{
	char path[256], link[256], *g;
	struct vfio_group_status st = {.argsz = sizeof(st)};
	struct vfio_device_info di = {.argsz = sizeof(di)};
	struct vfio_region_info ri = {.argsz = sizeof(ri),
				      .index = VFIO_PCI_CONFIG_REGION_INDEX};
	uint16_t id[2];
	int c, grp, dev;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 pci);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		printf("vfio %s: no IOMMU group\n", pci);
		return 1;
	}
	link[n] = 0;
	g = strrchr(link, '/') + 1;
	c = open("/dev/vfio/vfio", O_RDWR);
	if (c < 0 || ioctl(c, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    !ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU)) {
		printf("vfio %s: container: %s\n", pci, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", g);
	grp = open(path, O_RDWR);
	if (grp < 0 || ioctl(grp, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(grp, VFIO_GROUP_SET_CONTAINER, &c) ||
	    ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)) {
		printf("vfio %s: group %s: %s\n", pci, g, strerror(errno));
		return 1;
	}
	dev = ioctl(grp, VFIO_GROUP_GET_DEVICE_FD, pci);
	if (dev < 0 || ioctl(dev, VFIO_DEVICE_GET_INFO, &di) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		printf("vfio %s: device: %s\n", pci, strerror(errno));
		return 1;
	}
	if (pread(dev, id, sizeof(id), (off_t)ri.offset) != sizeof(id)) {
		printf("vfio %s: config space: %s\n", pci, strerror(errno));
		return 1;
	}
	printf("vfio %s %04x:%04x group %s regions %u irqs %u\n", pci, id[0],
	       id[1], g, di.num_regions, di.num_irqs);
	if (hold) {
		printf("held\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	close(dev);
	close(grp);
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "nldump"))
		return nldump(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "vfio"))
		return vfio(argv[2], 0);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return vfio(argv[2], 1);
	fprintf(stderr, "usage: sriov_probe nldump PF | vfio PCI | hold PCI\n");
	return 2;
}
