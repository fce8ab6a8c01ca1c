/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_virtio.h - the virtio 1.x PCI transport (modern only): capabilities,
 * the common configuration state machine, ISR, device configuration and
 * MSI-X table.  The data plane is not here: on DRIVER_OK the transport
 * hands the validated queues to its backend (vnetd over vhost-user). */
#ifndef VNET_VMM_VIRTIO_H
#define VNET_VMM_VIRTIO_H

#include "vmm.h"
#include "vmm_pci.h"

#define VIO_MAX_QUEUES 17 /* virtio-net: 8 queue pairs and a control queue */
#define VIO_QUEUE_MAX  256
#define VIO_MSIX_VECTORS \
	(VIO_MAX_QUEUES + 1) /* the most; a device has nq + 1 */
#define VIO_NO_VECTOR	 0xffff
#define VIO_BAR_SIZE	 0x8000
#define VIO_COMMON_OFF	 0x0000
#define VIO_ISR_OFF	 0x1000
#define VIO_DEVICE_OFF	 0x2000
#define VIO_NOTIFY_OFF	 0x3000
#define VIO_NOTIFY_MULT	 4
#define VIO_MSIX_TBL_OFF 0x4000
#define VIO_MSIX_PBA_OFF 0x5000
#define VIO_COMMON_SIZE	 0x38
#define VIO_DEVCFG_MAX	 64

/* device_status bits */
#define VIO_S_ACKNOWLEDGE 0x01
#define VIO_S_DRIVER	  0x02
#define VIO_S_DRIVER_OK	  0x04
#define VIO_S_FEATURES_OK 0x08
#define VIO_S_NEEDS_RESET 0x40
#define VIO_S_FAILED	  0x80

/* virtio_pci_common_cfg offsets */
#define VIO_C_DFSELECT	  0x00
#define VIO_C_DF	  0x04
#define VIO_C_GFSELECT	  0x08
#define VIO_C_GF	  0x0c
#define VIO_C_MSIX_CONFIG 0x10
#define VIO_C_NUM_QUEUES  0x12
#define VIO_C_STATUS	  0x14
#define VIO_C_CFG_GEN	  0x15
#define VIO_C_Q_SELECT	  0x16
#define VIO_C_Q_SIZE	  0x18
#define VIO_C_Q_MSIX	  0x1a
#define VIO_C_Q_ENABLE	  0x1c
#define VIO_C_Q_NOFF	  0x1e
#define VIO_C_Q_DESC	  0x20
#define VIO_C_Q_DRIVER	  0x28
#define VIO_C_Q_DEVICE	  0x30

/* Why a device stopped: named, counted, shown once in the log. */
#define VIO_BROKEN_REASONS(X)                                          \
	X(NONE, "working")                                             \
	X(FEATURES, "the driver accepted features it was not offered") \
	X(NO_VERSION_1, "the driver did not accept VERSION_1")         \
	X(QUEUE_SIZE, "a queue size is zero or not a power of two")    \
	X(QUEUE_ADDR, "a queue is misaligned or outside guest RAM")    \
	X(LATE_WRITE, "the driver changed a queue after enabling it")  \
	X(BACKEND, "the backend refused the queues")                   \
	X(STATUS_CLEARED,                                              \
	  "the driver cleared device status bits without a reset")     \
	X(CHAIN, "a descriptor chain the VMM serves is malformed")

enum vio_broken {
#define VIO_BROKEN_ENUM(id, text) VIO_BROKEN_##id,
	VIO_BROKEN_REASONS(VIO_BROKEN_ENUM)
#undef VIO_BROKEN_ENUM
	    VIO_BROKEN_MAX,
};

struct vmm_virtio_queue {
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, driver, device;
};

struct vmm_virtio_msix {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vmm_virtio;

/**
 * struct vmm_virtio_ops - the backend of a virtio function
 * @start: DRIVER_OK with valid queues; 0 or -errno (the device breaks)
 * @reset: the driver reset the device after @start succeeded
 * @msix: the MSI-X table or its enable bits changed
 * @notify: the driver notified queue @q through the VMM (no ioeventfd on
 *          it); true when the backend serves that queue here (a control
 *          queue), false to count it as a slow notification (may be NULL)
 * @signal: deliver MSI-X vector @vector now (it is usable: enabled and
 *          unmasked); may be NULL
 * @pending: the vectors whose interrupts the backend holds outside the
 *           transport (an irqfd detached while masked, its eventfd
 *           signalled), as bits; may be NULL
 * @bar_moved: the driver wrote BAR0 or the command register: where the
 *             notify area is (vmm_virtio_notify_base()) may have changed;
 *             may be NULL
 *
 * Called with the device's lock held, from a vCPU thread.  @msix runs
 * before the transport delivers what became deliverable: a backend that
 * detaches a masked vector's irqfd and finds it signalled on unmask sets
 * that vector's bit in @pba there.
 */
struct vmm_virtio_ops {
	int (*start)(struct vmm_virtio *v);
	void (*reset)(struct vmm_virtio *v);
	void (*msix)(struct vmm_virtio *v);
	bool (*notify)(struct vmm_virtio *v, unsigned q);
	void (*signal)(struct vmm_virtio *v, uint16_t vector);
	uint32_t (*pending)(struct vmm_virtio *v);
	void (*bar_moved)(struct vmm_virtio *v);
};

/**
 * struct vmm_virtio - one virtio PCI function
 * @pci: its PCI function (BAR0 holds every structure)
 * @mem: guest RAM, to check queue addresses
 * @host_features: offered to the driver
 * @guest_features: accepted by it
 * @broken: why the device needs a reset, VIO_BROKEN_NONE when it works
 * @started: the backend runs the queues
 * @devcfg: device-specific configuration (read-only to the driver here)
 * @nvec: MSI-X vectors (nq + 1)
 * @slow_notifies: queue notifications that reached the VMM instead of an
 *                 ioeventfd (0 while the data plane bypasses the VMM)
 * @pba: MSI-X pending bits the transport holds: an interrupt raised while
 *       its vector was masked, delivered once when it is unmasked
 */
struct vmm_virtio {
	struct vmm_pci_dev pci;
	pthread_mutex_t lock;
	const struct vmm_mem *mem;
	const struct vmm_virtio_ops *ops;
	void *opaque;
	uint64_t host_features, guest_features;
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint16_t queue_select;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	uint8_t msix_cap;
	enum vio_broken broken;
	bool started;
	unsigned nq, nvec;
	struct vmm_virtio_queue q[VIO_MAX_QUEUES];
	struct vmm_virtio_msix msix[VIO_MSIX_VECTORS];
	uint8_t devcfg[VIO_DEVCFG_MAX];
	unsigned devcfg_len;
	unsigned long broken_count[VIO_BROKEN_MAX];
	unsigned long slow_notifies;
	uint32_t pba;
};

int vmm_virtio_init(struct vmm_virtio *v, uint16_t device_type,
		    const struct vmm_mem *mem, uint32_t bar_gpa, unsigned nq,
		    uint64_t host_features, const void *devcfg,
		    unsigned devcfg_len, const struct vmm_virtio_ops *ops,
		    void *opaque) __attribute__((warn_unused_result));
void vmm_virtio_common_read(struct vmm_virtio *v, unsigned off, uint8_t *data,
			    unsigned size);
void vmm_virtio_common_write(struct vmm_virtio *v, unsigned off,
			     const uint8_t *data, unsigned size);
bool vmm_virtio_msix_enabled(const struct vmm_virtio *v);
bool vmm_virtio_vector_usable(const struct vmm_virtio *v, uint16_t vector);
void vmm_virtio_interrupt(struct vmm_virtio *v, uint16_t vector);
uint32_t vmm_virtio_pba(struct vmm_virtio *v);
uint64_t vmm_virtio_notify_base(const struct vmm_virtio *v);
const char *vmm_virtio_broken_text(enum vio_broken why);

/* ---- a queue the VMM serves itself (virtio-net's control queue) ---- */

#define VIO_CHAIN_MAX_SEGS 8

/**
 * struct vmm_vq_chain - one descriptor chain taken from the available ring
 * @head: its head index (returned in the used ring)
 * @nseg: segments in @seg
 * @seg: the buffers, already translated; the driver-readable ones first
 * @nread: how many of @seg the device may only read
 */
struct vmm_vq_chain {
	uint16_t head;
	unsigned nseg, nread;
	struct {
		uint8_t *p;
		uint32_t len;
	} seg[VIO_CHAIN_MAX_SEGS];
};

/**
 * struct vmm_vq_state - where the VMM is in a queue it serves
 * @last_avail: next available-ring entry to take
 * @used_idx: next used-ring entry to fill
 */
struct vmm_vq_state {
	uint16_t last_avail, used_idx;
};

int vmm_vq_pop(struct vmm_virtio *v, unsigned q, struct vmm_vq_state *s,
	       struct vmm_vq_chain *c) __attribute__((warn_unused_result));
int vmm_vq_push(struct vmm_virtio *v, unsigned q, struct vmm_vq_state *s,
		uint16_t head, uint32_t len)
    __attribute__((warn_unused_result));

/* ---- virtio-net device configuration and control commands ---- */

#define VIRTIO_NET_F_CTRL_VQ_BIT	17
#define VMM_NET_DEVCFG_SIZE		12 /* mac, status, max_virtqueue_pairs, mtu */
#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1
#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0

void vmm_net_devcfg(uint8_t cfg[VMM_NET_DEVCFG_SIZE], const uint8_t mac[6],
		    bool link_up, unsigned max_pairs, unsigned mtu);
int vmm_net_ctrl_queue(uint64_t features, unsigned max_pairs);
uint64_t vmm_net_vu_features(uint64_t guest, uint64_t offered, uint64_t backend,
			     bool protocol);
uint8_t vmm_net_ctrl_parse(const uint8_t *cmd, size_t len, unsigned max_pairs,
			   unsigned *pairs);

#endif
