/* simd.h — a thin 4 × float32 vector layer so one kernel source compiles to
 * WebAssembly SIMD (emcc -msimd128) and natively (GCC/Clang vector extensions).
 *
 * API (all on v4f = 4 × float unless noted):
 *   v_load, v_store (unaligned), v_splat, v_load_splat (*p in every lane), v_zero,
 *   v_lane (extract lane i), v_load_partial / v_store_partial (the first 0..4 lanes only)
 *   v_add, v_sub, v_mul, v_div, v_madd, v_madd_relaxed, v_max, v_min, v_abs, v_copysign,
 *   v_sqrt, v_floor, v_exp
 *   v_gt, v_lt, v_eq -> v4m mask;  v_select(mask, a, b) = mask ? a : b;  v_zero_where(mask, a) = mask ? +0 : a
 *   v_all_zero(a) -> int: 1 when every lane is +0 or -0
 *   v_hsum, v_hmax -> float;  v_hsum4(a, b, c, d) -> {Σa, Σb, Σc, Σd}
 *   on v4i = 4 × int32 (argmax positions): vi_splat, vi_iota(b) = {b, b+1, b+2, b+3},
 *   vi_add, vi_load / vi_store (unaligned), vi_eq -> v4m, vi_select(mask, a, b) = mask ? a : b
 *
 * Conventions:
 *  - v4m holds a lane mask (all ones / all zeros per lane) as produced by the
 *    comparisons and consumed by v_select.
 *  - Loads and stores are unaligned: callers pass plain float pointers.
 *  - v_max(a, b) / v_min(a, b) follow wasm's pmax/pmin: "a < b ? b : a" and
 *    "b < a ? b : a". They are single instructions on x86 and make the NaN
 *    behaviour identical on both targets: a NaN in `a` is returned, a NaN in
 *    `b` is ignored.
 *  - v_madd(a, b, c) = a*b + c, rounded twice (wasm SIMD has no fused multiply-add);
 *    v_madd_relaxed(a, b, c) the same, or fused where relaxed SIMD fuses it.
 *  - Do not compile with -ffast-math: v_exp relies on IEEE NaN and overflow behaviour.
 * Everything is `static inline`; there is no state. */
#ifndef SN_SIMD_H
#define SN_SIMD_H

#include <stdint.h>

/* For small helpers whose loops must unroll at constant arguments (GEMM tiles). */
#define SN_ALWAYS_INLINE static inline __attribute__((always_inline))

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

typedef v128_t v4f;
typedef v128_t v4m;
typedef v128_t v4i;

static inline v4f v_load(const float *p) { return wasm_v128_load(p); }
static inline void v_store(float *p, v4f v) { wasm_v128_store(p, v); }
static inline v4f v_splat(float x) { return wasm_f32x4_splat(x); }
/* One instruction (v128.load32_splat) instead of a scalar load + splat. */
static inline v4f v_load_splat(const float *p) { return wasm_v128_load32_splat(p); }
static inline v4f v_zero(void) { return wasm_f32x4_splat(0.0f); }
static inline v4f v_add(v4f a, v4f b) { return wasm_f32x4_add(a, b); }
static inline v4f v_sub(v4f a, v4f b) { return wasm_f32x4_sub(a, b); }
static inline v4f v_mul(v4f a, v4f b) { return wasm_f32x4_mul(a, b); }
static inline v4f v_div(v4f a, v4f b) { return wasm_f32x4_div(a, b); }
static inline v4f v_max(v4f a, v4f b) { return wasm_f32x4_pmax(a, b); }
static inline v4f v_min(v4f a, v4f b) { return wasm_f32x4_pmin(a, b); }
static inline v4f v_sqrt(v4f a) { return wasm_f32x4_sqrt(a); }
static inline v4f v_abs(v4f a) { return wasm_f32x4_abs(a); }
static inline v4f v_floor(v4f a) { return wasm_f32x4_floor(a); }
static inline v4m v_gt(v4f a, v4f b) { return wasm_f32x4_gt(a, b); }
static inline v4m v_lt(v4f a, v4f b) { return wasm_f32x4_lt(a, b); }
static inline v4m v_eq(v4f a, v4f b) { return wasm_f32x4_eq(a, b); }
/* Per lane: mask ? a : b */
static inline v4f v_select(v4m mask, v4f a, v4f b) { return wasm_v128_bitselect(a, b, mask); }
/* Per lane: mask ? +0 : a. Meant as one v128.andnot, where V8 spends three
 * instructions on a v128.bitselect; but LLVM turns an andnot by a comparison's
 * mask back into a select, so the empty asm hides where the mask came from
 * (Adam's step: 48 → 39 µs on 50,890 weights in Node 20). Only LLVM ≤ 14
 * (Debian's emcc 3.1.6, the default build) accepts a v128 asm operand; the
 * clang-19 relaxed build keeps the bitselect. Same bits either way. */
static inline v4f v_zero_where(v4m mask, v4f a) {
#if defined(__clang_major__) && __clang_major__ <= 14
  __asm__("" : "+r"(mask));
  return wasm_v128_andnot(a, mask);
#else
  return wasm_v128_bitselect(wasm_f32x4_splat(0.0f), a, mask);
#endif
}
/* Copies the sign bit of `sign` onto the magnitude |mag|. */
static inline v4f v_copysign(v4f mag, v4f sign) {
  return wasm_v128_bitselect(sign, wasm_f32x4_abs(mag), wasm_i32x4_splat(INT32_MIN));
}
static inline float v_lane(v4f a, int i) {
  switch (i) { /* extract_lane needs a constant index */
  case 0: return wasm_f32x4_extract_lane(a, 0);
  case 1: return wasm_f32x4_extract_lane(a, 1);
  case 2: return wasm_f32x4_extract_lane(a, 2);
  default: return wasm_f32x4_extract_lane(a, 3);
  }
}
/* Lane shuffles used by v_hsum4: interleave halves / take 64-bit halves. */
static inline v4f v_zip_lo(v4f a, v4f b) { return wasm_i32x4_shuffle(a, b, 0, 4, 1, 5); }
static inline v4f v_zip_hi(v4f a, v4f b) { return wasm_i32x4_shuffle(a, b, 2, 6, 3, 7); }
static inline v4f v_lo_lo(v4f a, v4f b) { return wasm_i32x4_shuffle(a, b, 0, 1, 4, 5); }
static inline v4f v_hi_hi(v4f a, v4f b) { return wasm_i32x4_shuffle(a, b, 2, 3, 6, 7); }
static inline v4i vi_splat(int32_t x) { return wasm_i32x4_splat(x); }
static inline v4i vi_iota(int32_t b) { return wasm_i32x4_make(b, b + 1, b + 2, b + 3); }
static inline v4i vi_add(v4i a, v4i b) { return wasm_i32x4_add(a, b); }
static inline v4i vi_load(const int32_t *p) { return wasm_v128_load(p); }
static inline void vi_store(int32_t *p, v4i v) { wasm_v128_store(p, v); }
static inline v4m vi_eq(v4i a, v4i b) { return wasm_i32x4_eq(a, b); }
static inline v4i vi_select(v4m mask, v4i a, v4i b) { return wasm_v128_bitselect(a, b, mask); }
static inline int v_all_zero(v4f a) { return wasm_i32x4_all_true(wasm_f32x4_eq(a, wasm_f32x4_splat(0.0f))); }
/* 2^n for integral n in [-126, 127], built directly from the exponent bits. */
static inline v4f v_pow2i(v4f n) {
  v128_t bits = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127));
  return wasm_i32x4_shl(bits, 23);
}

#else /* GCC / Clang vector extensions */

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef v4i v4m; /* vector comparisons yield 0 / -1 per lane */

/* memcpy keeps loads/stores free of alignment and aliasing assumptions; it
 * compiles to a single unaligned vector move. */
static inline v4f v_load(const float *p) {
  v4f v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void v_store(float *p, v4f v) { __builtin_memcpy(p, &v, sizeof v); }
static inline v4f v_splat(float x) { return (v4f){x, x, x, x}; }
static inline v4f v_load_splat(const float *p) { return v_splat(*p); }
static inline v4f v_zero(void) { return (v4f){0.0f, 0.0f, 0.0f, 0.0f}; }
static inline v4f v_add(v4f a, v4f b) { return a + b; }
static inline v4f v_sub(v4f a, v4f b) { return a - b; }
static inline v4f v_mul(v4f a, v4f b) { return a * b; }
static inline v4f v_div(v4f a, v4f b) { return a / b; }
static inline v4m v_gt(v4f a, v4f b) { return a > b; }
static inline v4m v_lt(v4f a, v4f b) { return a < b; }
static inline v4m v_eq(v4f a, v4f b) { return a == b; }
/* Per lane: mask ? a : b. GCC's C front end has no ?: on vectors, so use bits;
 * a vector cast between same-sized vector types reinterprets the bits. */
static inline v4f v_select(v4m mask, v4f a, v4f b) {
  return (v4f)((mask & (v4i)a) | (~mask & (v4i)b));
}
static inline v4f v_zero_where(v4m mask, v4f a) { return (v4f)(~mask & (v4i)a); }
static inline v4f v_max(v4f a, v4f b) { return v_select(a < b, b, a); }
static inline v4f v_min(v4f a, v4f b) { return v_select(b < a, b, a); }
/* sqrtps where there is SSE (correctly rounded, as wasm's f32x4.sqrt): the
 * lane by lane form below keeps a branch to libm's errno path in every lane. */
#ifdef __SSE__
static inline v4f v_sqrt(v4f a) { return __builtin_ia32_sqrtps(a); }
#else
static inline v4f v_sqrt(v4f a) {
  return (v4f){__builtin_sqrtf(a[0]), __builtin_sqrtf(a[1]), __builtin_sqrtf(a[2]),
               __builtin_sqrtf(a[3])};
}
#endif
static inline v4f v_abs(v4f a) { return (v4f)((v4i)a & INT32_MAX); }
static inline v4f v_copysign(v4f mag, v4f sign) {
  return (v4f)(((v4i)mag & INT32_MAX) | ((v4i)sign & INT32_MIN));
}
/* Valid for |a| < 2^31 (all callers clamp first): truncate, then step down
 * where truncation rounded a negative value up. */
static inline v4f v_floor(v4f a) {
  v4f t = __builtin_convertvector(__builtin_convertvector(a, v4i), v4f);
  return v_select(t > a, t - 1.0f, t);
}
static inline float v_lane(v4f a, int i) { return a[i]; }
/* Lane shuffles used by v_hsum4: interleave halves / take 64-bit halves. */
#ifdef __clang__
#define SN_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define SN_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, (v4i){i, j, k, l})
#endif
static inline v4f v_zip_lo(v4f a, v4f b) { return SN_SHUFFLE(a, b, 0, 4, 1, 5); }
static inline v4f v_zip_hi(v4f a, v4f b) { return SN_SHUFFLE(a, b, 2, 6, 3, 7); }
static inline v4f v_lo_lo(v4f a, v4f b) { return SN_SHUFFLE(a, b, 0, 1, 4, 5); }
static inline v4f v_hi_hi(v4f a, v4f b) { return SN_SHUFFLE(a, b, 2, 3, 6, 7); }
static inline v4i vi_splat(int32_t x) { return (v4i){x, x, x, x}; }
static inline v4i vi_iota(int32_t b) { return (v4i){b, b + 1, b + 2, b + 3}; }
static inline v4i vi_add(v4i a, v4i b) { return a + b; }
static inline v4i vi_load(const int32_t *p) {
  v4i v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void vi_store(int32_t *p, v4i v) { __builtin_memcpy(p, &v, sizeof v); }
static inline v4m vi_eq(v4i a, v4i b) { return a == b; }
static inline v4i vi_select(v4m mask, v4i a, v4i b) { return (mask & a) | (~mask & b); }
static inline int v_all_zero(v4f a) {
  v4m z = a == 0.0f;
  return (z[0] & z[1] & z[2] & z[3]) != 0;
}
/* 2^n for integral n in [-126, 127], built directly from the exponent bits. */
static inline v4f v_pow2i(v4f n) { return (v4f)((__builtin_convertvector(n, v4i) + 127) << 23); }

#endif

/* ---- Target-independent helpers built on the primitives above. ---- */

/* Loads count (0..4) floats from p into the low lanes, `pad` elsewhere: a loop's
 * last few elements can then run through the same vector code as the rest. */
static inline v4f v_load_partial(const float *p, int count, float pad) {
  float t[4] = {pad, pad, pad, pad};
  for (int i = 0; i < count; i++) t[i] = p[i];
  return v_load(t);
}

/* Stores the low count (0..4) lanes of v to p; nothing else is written. */
static inline void v_store_partial(float *p, v4f v, int count) {
  float t[4];
  v_store(t, v);
  for (int i = 0; i < count; i++) p[i] = t[i];
}

static inline v4f v_madd(v4f a, v4f b, v4f c) { return v_add(v_mul(a, b), c); }

/* a*b + c rounded once or twice, as the machine prefers: f32x4.relaxed_madd in
 * the relaxed-SIMD builds (clang -mrelaxed-simd: dist/simdnet-relaxed*.wasm),
 * exactly v_madd everywhere else. Only the GEMM micro-kernel uses it, so the
 * default builds keep their bits and the relaxed ones differ only there. */
#ifdef __wasm_relaxed_simd__
static inline v4f v_madd_relaxed(v4f a, v4f b, v4f c) { return wasm_f32x4_relaxed_madd(a, b, c); }
#else
static inline v4f v_madd_relaxed(v4f a, v4f b, v4f c) { return v_madd(a, b, c); }
#endif

static inline float v_hsum(v4f a) {
  return (v_lane(a, 0) + v_lane(a, 2)) + (v_lane(a, 1) + v_lane(a, 3));
}

/* {hsum(a), hsum(b), hsum(c), hsum(d)}: four horizontal sums as one vector
 * (a 4×4 transpose folded into the additions), cheaper than four v_hsum. */
static inline v4f v_hsum4(v4f a, v4f b, v4f c, v4f d) {
  v4f ab = v_add(v_zip_lo(a, b), v_zip_hi(a, b)); /* a0+a2 b0+b2 a1+a3 b1+b3 */
  v4f cd = v_add(v_zip_lo(c, d), v_zip_hi(c, d)); /* c0+c2 d0+d2 c1+c3 d1+d3 */
  return v_add(v_lo_lo(ab, cd), v_hi_hi(ab, cd));
}

static inline float v_hmax(v4f a) {
  float x = v_lane(a, 0), y = v_lane(a, 1), z = v_lane(a, 2), w = v_lane(a, 3);
  float xy = x < y ? y : x, zw = z < w ? w : z;
  return xy < zw ? zw : xy;
}

/* e^x, Cephes expf scheme. Max relative error 7.9e-8 measured for x in
 * [-87.3, 88.7] (normal results; test_kernels.c checks < 2.5e-7). Overflows to
 * +inf above ~88.72, underflows through denormals to 0 below ~-103.9, and
 * NaN in gives NaN out.
 *   n = floor(x·log2(e) + 1/2),  r = x − n·ln2  ∈ [−ln2/2, ln2/2]
 *   e^r by a degree-6 polynomial (1 + r + r²·P(r)),  e^x = e^r · 2^n.
 * ln2 is split in two (C1 has few mantissa bits, so n·C1 is exact) to keep r
 * accurate. 2^n is applied as two factors 2^(n−⌊n/2⌋)·2^⌊n/2⌋ so that every
 * factor is a normal float even when e^x itself overflows or is denormal. */
static inline v4f v_exp(v4f x) {
  const float C1 = 0.693359375f, C2 = -2.12194440e-4f;
  /* Clamp so n stays in [-150, 128]; written so that a NaN lane becomes finite
   * here (no float->int conversion of NaN) and is restored at the end. */
  v4f xc = v_max(v_splat(-104.0f), v_min(v_splat(88.8f), x));
  v4f n = v_floor(v_madd(xc, v_splat(1.44269504088896341f), v_splat(0.5f)));
  v4f r = v_sub(v_sub(xc, v_mul(n, v_splat(C1))), v_mul(n, v_splat(C2)));

  v4f p = v_splat(1.9875691500e-4f);
  p = v_madd(p, r, v_splat(1.3981999507e-3f));
  p = v_madd(p, r, v_splat(8.3334519073e-3f));
  p = v_madd(p, r, v_splat(4.1665795894e-2f));
  p = v_madd(p, r, v_splat(1.6666665459e-1f));
  p = v_madd(p, r, v_splat(5.0000001201e-1f));
  v4f y = v_add(v_madd(v_mul(p, r), r, r), v_splat(1.0f));

  v4f n1 = v_floor(v_mul(n, v_splat(0.5f)));
  y = v_mul(v_mul(y, v_pow2i(n1)), v_pow2i(v_sub(n, n1)));
  return v_select(v_eq(x, x), y, x);
}

#endif
