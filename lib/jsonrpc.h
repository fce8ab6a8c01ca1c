/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jsonrpc.h - JSON-RPC 2.0 messages, one per line over a stream socket */
#ifndef VNET_JSONRPC_H
#define VNET_JSONRPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JSONRPC_PARSE_ERROR	 -32700
#define JSONRPC_INVALID_REQUEST	 -32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS	 -32602
#define JSONRPC_INTERNAL_ERROR	 -32603
/* vnet's own codes (the range JSON-RPC leaves to applications). */
#define VNET_ERR_NOT_FOUND -32001
#define VNET_ERR_EXISTS	   -32002
#define VNET_ERR_BUSY	   -32003
#define VNET_ERR_SYSTEM	   -32004
#define VNET_ERR_REFUSED   -32005

/* Longest reply vnetd sends (an error is sent instead of a longer one). */
#define JSONRPC_MAX_REPLY (16u << 20)
/* Longest request line vnetd reads: a reply's worth and room for the
 * request's own envelope, so whatever vnetd exports it can import (a
 * config.export result becomes a config.import's "config"). */
#define JSONRPC_MAX_MSG (JSONRPC_MAX_REPLY + (64u << 10))

/**
 * struct jsonrpc_req - a parsed request
 * @root: the whole message (owns the others)
 * @method: method name
 * @params: parameters; always an object (empty when absent)
 * @id: request id, NULL for a notification
 */
struct jsonrpc_req {
	json_t *root;
	const char *method;
	json_t *params;
	json_t *id;
};

int jsonrpc_parse(const char *buf, size_t len, struct jsonrpc_req *req,
		  const char **why);
void jsonrpc_req_free(struct jsonrpc_req *req);
json_t *jsonrpc_result(json_t *id, json_t *result);
json_t *jsonrpc_error(json_t *id, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
json_t *jsonrpc_request(const char *method, json_t *params, long id);
int jsonrpc_code_from_errno(int err);
void jsonrpc_set_u64(json_t *obj, const char *key, uint64_t value);
void jsonrpc_set_nonzero(json_t *obj, const char *key, uint64_t value);

int jsonrpc_connect(const char *path);

#endif
