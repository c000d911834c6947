/* OpenCL backend plumbing: error names, device setup, program builds and
 * event timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "kernels/opencl/ocl.h"

const char *dlp_ocl_error_name(cl_int err)
{
	static _Thread_local char buf[32];

	switch (err) {
#define E(x) case x: return #x
	E(CL_SUCCESS);
	E(CL_DEVICE_NOT_FOUND);
	E(CL_DEVICE_NOT_AVAILABLE);
	E(CL_COMPILER_NOT_AVAILABLE);
	E(CL_MEM_OBJECT_ALLOCATION_FAILURE);
	E(CL_OUT_OF_RESOURCES);
	E(CL_OUT_OF_HOST_MEMORY);
	E(CL_PROFILING_INFO_NOT_AVAILABLE);
	E(CL_MEM_COPY_OVERLAP);
	E(CL_IMAGE_FORMAT_MISMATCH);
	E(CL_IMAGE_FORMAT_NOT_SUPPORTED);
	E(CL_BUILD_PROGRAM_FAILURE);
	E(CL_MAP_FAILURE);
	E(CL_MISALIGNED_SUB_BUFFER_OFFSET);
	E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	E(CL_COMPILE_PROGRAM_FAILURE);
	E(CL_LINKER_NOT_AVAILABLE);
	E(CL_LINK_PROGRAM_FAILURE);
	E(CL_DEVICE_PARTITION_FAILED);
	E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
	E(CL_INVALID_VALUE);
	E(CL_INVALID_DEVICE_TYPE);
	E(CL_INVALID_PLATFORM);
	E(CL_INVALID_DEVICE);
	E(CL_INVALID_CONTEXT);
	E(CL_INVALID_QUEUE_PROPERTIES);
	E(CL_INVALID_COMMAND_QUEUE);
	E(CL_INVALID_HOST_PTR);
	E(CL_INVALID_MEM_OBJECT);
	E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR);
	E(CL_INVALID_IMAGE_SIZE);
	E(CL_INVALID_SAMPLER);
	E(CL_INVALID_BINARY);
	E(CL_INVALID_BUILD_OPTIONS);
	E(CL_INVALID_PROGRAM);
	E(CL_INVALID_PROGRAM_EXECUTABLE);
	E(CL_INVALID_KERNEL_NAME);
	E(CL_INVALID_KERNEL_DEFINITION);
	E(CL_INVALID_KERNEL);
	E(CL_INVALID_ARG_INDEX);
	E(CL_INVALID_ARG_VALUE);
	E(CL_INVALID_ARG_SIZE);
	E(CL_INVALID_KERNEL_ARGS);
	E(CL_INVALID_WORK_DIMENSION);
	E(CL_INVALID_WORK_GROUP_SIZE);
	E(CL_INVALID_WORK_ITEM_SIZE);
	E(CL_INVALID_GLOBAL_OFFSET);
	E(CL_INVALID_EVENT_WAIT_LIST);
	E(CL_INVALID_EVENT);
	E(CL_INVALID_OPERATION);
	E(CL_INVALID_GL_OBJECT);
	E(CL_INVALID_BUFFER_SIZE);
	E(CL_INVALID_MIP_LEVEL);
	E(CL_INVALID_GLOBAL_WORK_SIZE);
	E(CL_INVALID_PROPERTY);
	E(CL_INVALID_IMAGE_DESCRIPTOR);
	E(CL_INVALID_COMPILER_OPTIONS);
	E(CL_INVALID_LINKER_OPTIONS);
	E(CL_INVALID_DEVICE_PARTITION_COUNT);
#undef E
	case -1001:
		return "CL_PLATFORM_NOT_FOUND_KHR";
	default:
		snprintf(buf, sizeof buf, "CL error %d", (int)err);
		return buf;
	}
}

int dlp_ocl_fail(cl_int err, const char *what)
{
	return dlp_error_set("%s (%d) at %s", dlp_ocl_error_name(err), (int)err, what);
}

const char *dlp_ocl_type_name(cl_device_type t)
{
	if (t & CL_DEVICE_TYPE_GPU)
		return "gpu";
	if (t & CL_DEVICE_TYPE_CPU)
		return "cpu";
	return "accelerator";
}

static void dev_str(cl_device_id id, cl_device_info what, char *buf, size_t len)
{
	buf[0] = '\0';
	if (clGetDeviceInfo(id, what, len - 1, buf, NULL) != CL_SUCCESS)
		buf[0] = '\0';
	buf[len - 1] = '\0';
}

static int has_ext(cl_device_id id, const char *ext)
{
	size_t len = 0;
	char *s;
	int yes = 0;

	if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, 0, NULL, &len) != CL_SUCCESS || !len)
		return 0;
	s = malloc(len + 1);
	if (!s)
		return 0;
	if (clGetDeviceInfo(id, CL_DEVICE_EXTENSIONS, len, s, NULL) == CL_SUCCESS) {
		s[len] = '\0';
		yes = strstr(s, ext) != NULL;
	}
	free(s);
	return yes;
}

int dlp_ocl_dev_open(dlp_ocl_dev *d, cl_platform_id p, cl_device_id id)
{
	cl_context_properties props[3] = { CL_CONTEXT_PLATFORM, (cl_context_properties)p, 0 };
	cl_int err;

	memset(d, 0, sizeof *d);
	d->platform = p;
	d->device = id;
	dev_str(id, CL_DEVICE_NAME, d->name, sizeof d->name);
	dev_str(id, CL_DEVICE_VENDOR, d->vendor, sizeof d->vendor);
	dev_str(id, CL_DEVICE_VERSION, d->version, sizeof d->version);
	dev_str(id, CL_DRIVER_VERSION, d->driver, sizeof d->driver);
	if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof d->platform_name - 1,
			      d->platform_name, NULL) != CL_SUCCESS)
		d->platform_name[0] = '\0';
	if ((err = clGetDeviceInfo(id, CL_DEVICE_TYPE, sizeof d->type, &d->type, NULL)) ||
	    (err = clGetDeviceInfo(id, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof d->global_mem,
				   &d->global_mem, NULL)) ||
	    (err = clGetDeviceInfo(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof d->max_alloc,
				   &d->max_alloc, NULL)) ||
	    (err = clGetDeviceInfo(id, CL_DEVICE_LOCAL_MEM_SIZE, sizeof d->local_mem,
				   &d->local_mem, NULL)) ||
	    (err = clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_wg,
				   &d->max_wg, NULL)) ||
	    (err = clGetDeviceInfo(id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof d->compute_units,
				   &d->compute_units, NULL)))
		return dlp_ocl_fail(err, "clGetDeviceInfo");
	d->fp64 = has_ext(id, "cl_khr_fp64");
	d->fp16 = has_ext(id, "cl_khr_fp16");
	d->ctx = clCreateContext(props, 1, &id, NULL, NULL, &err);
	if (!d->ctx)
		return dlp_ocl_fail(err, "clCreateContext");
	d->q = clCreateCommandQueue(d->ctx, id, CL_QUEUE_PROFILING_ENABLE, &err);
	if (!d->q)
		return dlp_ocl_fail(err, "clCreateCommandQueue");
	return 0;
}

void dlp_ocl_dev_close(dlp_ocl_dev *d)
{
	if (d->q)
		clReleaseCommandQueue(d->q);
	if (d->ctx)
		clReleaseContext(d->ctx);
	d->q = NULL;
	d->ctx = NULL;
}

static double now_s(void)
{
	return dlp_harness_now();
}

int dlp_ocl_build(dlp_ocl_dev *d, const char *file, const char *options,
		  cl_program *out, double *build_s)
{
	const char *src;
	size_t len, loglen = 0;
	cl_program prog = NULL;
	cl_int err;
	double t0;
	char *log = NULL;
	int rc = -1;

	*out = NULL;
	src = dlp_embedded_get(file, &len);
	if (!src) {
		dlp_error_set("%s is not embedded in this binary", file);
		goto out;
	}
	prog = clCreateProgramWithSource(d->ctx, 1, &src, &len, &err);
	if (!prog) {
		dlp_ocl_fail(err, "clCreateProgramWithSource");
		goto out;
	}
	t0 = now_s();
	err = clBuildProgram(prog, 1, &d->device, options, NULL, NULL);
	if (build_s)
		*build_s = now_s() - t0;
	if (err != CL_SUCCESS) {
		/* The log says why; its first line is usually enough to act on. */
		if (clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG, 0, NULL,
					  &loglen) == CL_SUCCESS && loglen > 1 &&
		    (log = calloc(1, loglen + 1)) &&
		    clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG, loglen, log,
					  NULL) == CL_SUCCESS) {
			if (loglen > 400)
				log[400] = '\0';
			dlp_error_set("%s (%d) building %s: %s", dlp_ocl_error_name(err),
				      (int)err, file, log);
		} else {
			dlp_error_set("%s (%d) building %s", dlp_ocl_error_name(err), (int)err,
				      file);
		}
		goto out;
	}
	*out = prog;
	prog = NULL;
	rc = 0;
out:
	free(log);
	if (prog)
		clReleaseProgram(prog);
	return rc;
}

int dlp_ocl_event_wait(cl_event e, const char *what)
{
	cl_int err = clWaitForEvents(1, &e), st = CL_COMPLETE;

	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, what);
	err = clGetEventInfo(e, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clGetEventInfo");
	/* A negative execution status is the error the command ended with. */
	if (st < 0)
		return dlp_ocl_fail(st, what);
	return 0;
}

int dlp_ocl_event_span(cl_event e0, cl_event e1, double *s)
{
	cl_ulong t0 = 0, t1 = 0;
	cl_int err;

	err = clGetEventProfilingInfo(e0, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
	if (err == CL_SUCCESS)
		err = clGetEventProfilingInfo(e1, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clGetEventProfilingInfo");
	*s = (double)(t1 - t0) * 1e-9;
	if (t1 <= t0)
		return dlp_error_set("the device reported a zero or negative time "
				     "(start %llu ns, end %llu ns)",
				     (unsigned long long)t0, (unsigned long long)t1);
	return 0;
}
