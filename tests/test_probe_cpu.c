/* CPUID decoding on synthetic register values, and the live machine. */
#include <math.h>
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/probe.h"
#include "probe/cpu.h"

static void put(uint32_t *r, const char *s)
{
	memcpy(r, s, 4);
}

/* A Sapphire Rapids-like CPU: family 6 model 143, AVX-512 + AMX. */
static void fill_spr(struct dlp_cpuid_raw *r, uint64_t xcr0)
{
	const char *brand = "Intel(R) Xeon(R) Platinum 8480+ @ 2.00GHz";

	memset(r, 0, sizeof *r);
	r->leaf0[0] = 0x20;
	put(&r->leaf0[1], "Genu");
	put(&r->leaf0[3], "ineI");
	put(&r->leaf0[2], "ntel");
	r->leaf1[0] = (0x8u << 16) | (0x6u << 8) | (0xfu << 4) | 0x8u; /* ext model 8, family 6, model 15, stepping 8 */
	r->leaf1[2] = (1u << 20) | (1u << 12) | (1u << 28) | (1u << 29) | (1u << 27) | (1u << 31);
	r->leaf7_0[0] = 1;
	r->leaf7_0[1] = (1u << 5) | (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
	r->leaf7_0[2] = 1u << 11;
	r->leaf7_0[3] = (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25);
	r->leaf7_1[0] = 1u << 5;
	put(&r->hv[1], "KVMK");
	put(&r->hv[2], "VMKV");
	put(&r->hv[3], "M\0\0\0");
	memcpy(r->brand, brand, strlen(brand));
	r->xcr0 = xcr0;
}

static void decode_full_support(void **state)
{
	struct dlp_cpuid_raw r;
	struct dlp_cpu_info c;
	int i;

	(void)state;
	fill_spr(&r, 0x600e7);
	dlp_cpu_decode(&r, &c);
	assert_string_equal(c.vendor, "GenuineIntel");
	assert_int_equal(c.family, 6);
	assert_int_equal(c.model, 143);
	assert_int_equal(c.stepping, 8);
	for (i = 0; i < DLP_F_COUNT; i++) {
		assert_true(c.cpu_has[i]);
		assert_true(c.os_has[i]);
	}
	assert_true(c.hypervisor);
	assert_string_equal(c.hypervisor_vendor, "KVMKVMKVM");
	assert_true(fabs(c.nominal_mhz - 2000.0) < 1e-9);
	assert_string_equal(c.nominal_source, "model string");
}

static void decode_os_without_avx512_state(void **state)
{
	struct dlp_cpuid_raw r;
	struct dlp_cpu_info c;

	(void)state;
	/* XCR0 = x87|SSE|AVX: the kernel saves no ZMM nor tile state */
	fill_spr(&r, 0x7);
	dlp_cpu_decode(&r, &c);
	assert_true(c.cpu_has[DLP_F_AVX512F]);
	assert_false(c.os_has[DLP_F_AVX512F]);
	assert_true(c.os_has[DLP_F_AVX2]);
	assert_true(c.cpu_has[DLP_F_AMX_TILE]);
	assert_false(c.os_has[DLP_F_AMX_TILE]);
	/* without OSXSAVE nothing beyond SSE is usable */
	fill_spr(&r, 0);
	dlp_cpu_decode(&r, &c);
	assert_false(c.os_has[DLP_F_AVX]);
	assert_true(c.os_has[DLP_F_SSE42]);
}

static void decode_amd_family_and_leaf16(void **state)
{
	struct dlp_cpuid_raw r;
	struct dlp_cpu_info c;

	(void)state;
	memset(&r, 0, sizeof r);
	put(&r.leaf0[1], "Auth");
	put(&r.leaf0[3], "enti");
	put(&r.leaf0[2], "cAMD");
	/* family 0xf + ext family 0xb = 26 (Zen 5), model 0x02, stepping 1 */
	r.leaf1[0] = (0xbu << 20) | (0xfu << 8) | (0x2u << 4) | 1u;
	r.leaf16[0] = 2600;
	dlp_cpu_decode(&r, &c);
	assert_string_equal(c.vendor, "AuthenticAMD");
	assert_int_equal(c.family, 26);
	assert_int_equal(c.model, 2);
	assert_false(c.hypervisor);
	assert_true(fabs(c.nominal_mhz - 2600.0) < 1e-9);
	assert_false(c.cpu_has[DLP_F_AVX2]);
}

static void live_machine_consistent(void **state)
{
	struct dlp_cpuid_raw r;
	struct dlp_cpu_info c;
	uint32_t isa = dlp_cpu_isa_usable();
	json_t *j;

	(void)state;
	dlp_cpuid_read(&r);
	dlp_cpu_decode(&r, &c);
	assert_true(c.vendor[0] != '\0');
	/* x86-64 guarantees SSE2; every machine this runs on has SSE4.2 */
	assert_true(isa & DLP_ISA_SSE42);
	assert_int_equal(!!(isa & DLP_ISA_AVX512F), c.os_has[DLP_F_AVX512F]);
	if (!(isa & DLP_ISA_AMX_TILE)) {
		assert_int_equal(dlp_cpu_amx_request(), -1);
		assert_non_null(strstr(dlp_error_message(), "AMX"));
	}
	j = dlp_cpu_to_json(&c, "");
	assert_non_null(json_object_get(json_object_get(j, "features"), "amx_bf16"));
	assert_non_null(json_object_get(json_object_get(j, "amx_permission"), "status"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_full_support),
		cmocka_unit_test(decode_os_without_avx512_state),
		cmocka_unit_test(decode_amd_family_and_leaf16),
		cmocka_unit_test(live_machine_consistent),
	};
	return cmocka_run_group_tests_name("probe_cpu", tests, NULL, NULL);
}
