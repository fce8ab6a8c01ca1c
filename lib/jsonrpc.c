// SPDX-License-Identifier: GPL-2.0-or-later
/* jsonrpc.c - JSON-RPC 2.0 request parsing and response building
 *
 * The control socket speaks one JSON object per line.  Requests come from
 * local administrators, but a buggy script must never be able to wedge or
 * crash vnetd: every field is type-checked before use.
 */
#include "jsonrpc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/**
 * jsonrpc_parse() - parse and validate one request
 * @buf: message bytes (not necessarily NUL-terminated)
 * @len: length
 * @req: filled on success; on failure @req->id is set when one was readable
 *       so the error can be addressed to it
 * @why: set to a short reason on failure
 *
 * Return: 0, JSONRPC_PARSE_ERROR or JSONRPC_INVALID_REQUEST
 */
int jsonrpc_parse(const char *buf, size_t len, struct jsonrpc_req *req,
		  const char **why)
{
	json_error_t jerr;
	json_t *ver, *method, *params, *id;

	memset(req, 0, sizeof(*req));
	if (len > JSONRPC_MAX_MSG) {
		*why = "request too long";
		return JSONRPC_INVALID_REQUEST;
	}
	req->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->root) {
		*why = "not valid JSON";
		return JSONRPC_PARSE_ERROR;
	}
	if (!json_is_object(req->root)) {
		*why = "request must be an object";
		goto invalid;
	}
	id = json_object_get(req->root, "id");
	if (id && !json_is_string(id) && !json_is_integer(id) &&
	    !json_is_null(id)) {
		*why = "id must be a string, an integer or null";
		goto invalid;
	}
	req->id = id;
	ver = json_object_get(req->root, "jsonrpc");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0")) {
		*why = "jsonrpc must be \"2.0\"";
		goto invalid;
	}
	method = json_object_get(req->root, "method");
	if (!json_is_string(method) || !json_string_length(method)) {
		*why = "method must be a non-empty string";
		goto invalid;
	}
	req->method = json_string_value(method);
	params = json_object_get(req->root, "params");
	if (params && !json_is_object(params)) {
		*why = "params must be an object (named parameters)";
		goto invalid;
	}
	if (!params) {
		params = json_object();
		if (!params ||
		    json_object_set_new(req->root, "params", params)) {
			*why = "out of memory";
			goto invalid;
		}
	}
	req->params = params;
	return 0;
invalid:
	return JSONRPC_INVALID_REQUEST;
}

/**
 * jsonrpc_req_free() - release a parsed request
 * @req: request; its pointers become invalid
 */
void jsonrpc_req_free(struct jsonrpc_req *req)
{
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

/**
 * jsonrpc_set_u64() - set a counter in an object
 * @obj: object
 * @key: member name
 * @value: the counter (JSON integers are signed 64-bit: values past
 *         INT64_MAX read negative, which no counter reaches)
 */
void jsonrpc_set_u64(json_t *obj, const char *key, uint64_t value)
{
	json_object_set_new(obj, key, json_integer((json_int_t)value));
}

/**
 * jsonrpc_set_nonzero() - set a counter in an object unless it is zero, as
 * drops by reason are listed (only the reasons that happened)
 * @obj: object
 * @key: member name
 * @value: the counter
 */
void jsonrpc_set_nonzero(json_t *obj, const char *key, uint64_t value)
{
	if (value)
		jsonrpc_set_u64(obj, key, value);
}

/**
 * jsonrpc_result() - a success response
 * @id: request id (borrowed)
 * @result: result (stolen); NULL becomes null
 *
 * Return: response object
 */
json_t *jsonrpc_result(json_t *id, json_t *result)
{
	return json_pack("{s:s, s:o, s:O}", "jsonrpc", "2.0", "result",
			 result ? result : json_null(), "id",
			 id ? id : json_null());
}

/**
 * jsonrpc_error() - an error response
 * @id: request id (borrowed), NULL when unknown
 * @code: JSON-RPC error code
 * @fmt: message format
 *
 * Return: response object
 */
json_t *jsonrpc_error(json_t *id, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s, s:{s:i, s:s}, s:O}", "jsonrpc", "2.0", "error",
			 "code", code, "message", msg, "id",
			 id ? id : json_null());
}

/**
 * jsonrpc_request() - a request object, for clients
 * @method: method name
 * @params: parameters (stolen), NULL for none
 * @id: request id
 *
 * Return: request object
 */
json_t *jsonrpc_request(const char *method, json_t *params, long id)
{
	return json_pack("{s:s, s:s, s:o, s:I}", "jsonrpc", "2.0", "method",
			 method, "params", params ? params : json_object(),
			 "id", (json_int_t)id);
}

/**
 * jsonrpc_code_from_errno() - error code for a failed operation
 * @err: negative errno
 *
 * Return: JSON-RPC error code
 */
int jsonrpc_code_from_errno(int err)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
		return VNET_ERR_NOT_FOUND;
	case EEXIST:
		return VNET_ERR_EXISTS;
	case EBUSY:
		return VNET_ERR_BUSY;
	case EINVAL:
	case ERANGE:
		return JSONRPC_INVALID_PARAMS;
	case EPERM:
		return VNET_ERR_REFUSED;
	default:
		return VNET_ERR_SYSTEM;
	}
}

/**
 * jsonrpc_connect() - connect to a JSON-RPC server on a Unix socket (vnetd's
 * control socket), for its clients: vnetctl and vnet-vmm
 * @path: socket path
 *
 * Return: a connected, blocking, close-on-exec fd, or -errno
 */
int jsonrpc_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}
