/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriov.h - SR-IOV physical and virtual functions: discovery in sysfs,
 * creating VFs, VF settings through rtnetlink, handing a VF to vfio-pci and
 * giving it back
 *
 * Every sysfs path is taken relative to a root ("/sys" on a host; a fixture
 * tree in the unit tests).  Functions return 0 or -errno and, where a user
 * will read the reason, fill a message buffer with a sentence that names
 * the device.  Nothing here keeps state between calls: vnetd owns the
 * pools, assignments and persistence (vnetd/vnetd_sriov.c).
 *
 * Privileges: writing sriov_numvfs, driver_override, bind/unbind and
 * RTM_SETLINK need root (CAP_SYS_ADMIN for sysfs, CAP_NET_ADMIN for
 * netlink); reading needs none.
 */
#ifndef VNET_SRIOV_H
#define VNET_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRIOV_SYSFS_ROOT  "/sys"
#define SRIOV_PROC_ROOT	  "/proc"
#define SRIOV_DEV_ROOT	  "/dev"
#define SRIOV_MAX_VFS	  256 /* PCIe allows more; no NIC in use has more */
#define SRIOV_PCI_LEN	  16  /* "0000:01:10.6" and its NUL */
#define SRIOV_DRV_LEN	  32
#define SRIOV_IFNAME_LEN  16
#define SRIOV_VFIO_DRIVER "vfio-pci"

/**
 * struct sriov_vf_dev - what sysfs says about one virtual function
 * @index: VF number on its PF (virtfnN)
 * @pci: PCI address
 * @driver: bound driver, "" when none
 * @netdev: its network device, "" when it has none (vfio-pci, unbound)
 * @iommu_group: IOMMU group number, -1 without an IOMMU
 */
struct sriov_vf_dev {
	unsigned index;
	char pci[SRIOV_PCI_LEN];
	char driver[SRIOV_DRV_LEN];
	char netdev[SRIOV_IFNAME_LEN];
	int iommu_group;
};

/**
 * struct sriov_pf - a physical function (a network device with SR-IOV)
 * @name: its network device
 * @pci: PCI address
 * @driver: its driver
 * @total_vfs: sriov_totalvfs, the most VFs it can have
 * @num_vfs: sriov_numvfs, how many it has
 * @vfs: its VFs, @n_vfs of them, by index
 * @n_vfs: VFs found (virtfnN links), normally @num_vfs
 */
struct sriov_pf {
	char name[SRIOV_IFNAME_LEN];
	char pci[SRIOV_PCI_LEN];
	char driver[SRIOV_DRV_LEN];
	unsigned total_vfs, num_vfs;
	struct sriov_vf_dev *vfs;
	unsigned n_vfs;
};

int sriov_pf_get(const char *root, const char *name, struct sriov_pf *pf,
		 char *err, size_t errlen) __attribute__((warn_unused_result));
int sriov_pf_scan(const char *root, struct sriov_pf **pfs, unsigned *n)
    __attribute__((warn_unused_result));
void sriov_pf_free(struct sriov_pf *pf);
void sriov_pfs_free(struct sriov_pf *pfs, unsigned n);
int sriov_set_numvfs(const char *root, const char *pf, unsigned n, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
int sriov_vfio_bind(const char *root, const char *pci, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int sriov_vfio_release(const char *root, const char *pci, char *driver,
		       size_t drvlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Called with the outcome of a release that outlasted its wait. */
typedef void sriov_release_done_fn(const char *pci, int ret, const char *driver,
				   const char *err);
int sriov_vfio_release_wait(const char *root, const char *pci, unsigned wait_ms,
			    sriov_release_done_fn *late, char *driver,
			    size_t drvlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int sriov_vf_driver(const char *root, const char *pci, char *driver,
		    size_t size);
int sriov_vfs_user(const char *root, const char *proc, const char *dev,
		   const char *const *pcis, unsigned n, unsigned *which,
		   int *pid);
int sriov_vf_user(const char *root, const char *proc, const char *dev,
		  const char *pci, int *pid);
void sriov_users_err(const char *pci, int pid, char *err, size_t errlen);
int sriov_pf_users(const char *root, const char *proc, const char *dev,
		   const struct sriov_pf *pf, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* ---- VF settings (rtnetlink) ---- */

/* The settings one IFLA_VF_* attribute carries, in the order they are
 * applied. */
#define SRIOV_ATTRS(X)                                    \
	X(MAC, "mac", "MAC address")                      \
	X(VLAN, "vlan", "VLAN (with QoS and protocol)")   \
	X(SPOOFCHK, "spoofchk", "spoof checking")         \
	X(TRUST, "trust", "trust")                        \
	X(RATE, "rate", "transmit rate limits (min:max)") \
	X(LINK_STATE, "state", "link state")

enum sriov_attr {
#define SRIOV_ATTR_ENUM(id, name, desc) SRIOV_A_##id,
	SRIOV_ATTRS(SRIOV_ATTR_ENUM)
#undef SRIOV_ATTR_ENUM
	    SRIOV_A_MAX,
};

#define SRIOV_BIT(a) (1u << (a))

enum sriov_link_state {
	SRIOV_LINK_AUTO = 0, /* IFLA_VF_LINK_STATE_AUTO */
	SRIOV_LINK_ENABLE = 1,
	SRIOV_LINK_DISABLE = 2,
};

/**
 * struct sriov_vf_cfg - a VF's settings, or some of them
 * @set: SRIOV_BIT() of each setting present
 * @soft: SRIOV_BIT() of the settings in @set that are vnet's defaults
 *        rather than asked for (a port's spoof checking and trust): not
 *        sent to a driver that does not report them, and a driver that
 *        answers -EOPNOTSUPP for one is not an error
 * @mac: MAC address (all zero: none, the guest picks)
 * @vlan: VLAN id, 0 for none
 * @qos: 802.1p priority, 0-7
 * @vlan_proto: ETH_P_8021Q or ETH_P_8021AD (host order)
 * @spoofchk: spoof checking on
 * @trust: trusted (may change its MAC, promiscuous)
 * @min_rate: minimum transmit rate, Mb/s (0: none)
 * @max_rate: maximum transmit rate, Mb/s (0: none)
 * @link_state: enum sriov_link_state
 */
struct sriov_vf_cfg {
	unsigned set, soft;
	uint8_t mac[6];
	uint16_t vlan;
	uint8_t qos;
	uint16_t vlan_proto;
	bool spoofchk, trust;
	uint32_t min_rate, max_rate;
	uint32_t link_state;
};

/**
 * struct sriov_vf_info - one VF as the kernel reports it
 * @vf: its index
 * @cfg: its settings; @cfg.set has the ones the driver reported
 */
struct sriov_vf_info {
	unsigned vf;
	struct sriov_vf_cfg cfg;
};

const char *sriov_attr_name(enum sriov_attr a);
const char *sriov_link_state_name(uint32_t s);
int sriov_vf_cfg_check(const struct sriov_vf_cfg *c, char *err, size_t errlen);
bool sriov_vf_cfg_same(const struct sriov_vf_cfg *want,
		       const struct sriov_vf_cfg *have, enum sriov_attr a);
unsigned sriov_vf_plan(const struct sriov_vf_cfg *want,
		       const struct sriov_vf_cfg *have);
bool sriov_vf_refusal_fatal(const struct sriov_vf_cfg *want, enum sriov_attr a,
			    int err);

struct nl_msg;
int sriov_nl_build_set(int ifindex, unsigned vf, const struct sriov_vf_cfg *c,
		       enum sriov_attr a, struct nl_msg **out)
    __attribute__((warn_unused_result));
int sriov_nl_build_get(int ifindex, struct nl_msg **out)
    __attribute__((warn_unused_result));
int sriov_nl_parse_link(const void *buf, size_t len, struct sriov_vf_info *out,
			unsigned max);

struct sriov_nl;
int sriov_nl_open(struct sriov_nl **out) __attribute__((warn_unused_result));
void sriov_nl_close(struct sriov_nl *nl);
int sriov_vf_read(struct sriov_nl *nl, const char *pf,
		  struct sriov_vf_info *out, unsigned max);
int sriov_vf_set_one(struct sriov_nl *nl, const char *pf, unsigned vf,
		     const struct sriov_vf_cfg *c, enum sriov_attr a);
int sriov_vf_apply(struct sriov_nl *nl, const char *pf, unsigned vf,
		   const struct sriov_vf_cfg *want, unsigned *unsupported,
		   char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
