// cvgl_native: the hot kernels of a training step on oneDNN (the library PyTorch's CPU
// convolutions use), exposed to Node through N-API. Works in place on the tensors' own
// Float32Arrays: the caller passes inputs and a preallocated output.
//
//   conv2d(mode, a, b, out, dims)   mode 0: y  = conv(x, w)       a = x,  b = w
//                                   mode 1: dx = conv_bwd_data    a = dy, b = w
//                                   mode 2: dw = conv_bwd_weights a = x,  b = dy
//     dims (Int32Array, 17): N H W Cin KH KW Cout OH OW sh sw dh dw padTop padLeft padBottom padRight
//     layouts: x, y, dy, dx NHWC; w, dw HWIO (TensorFlow's)
//   matmul(a, b, out, dims)          dims (Int32Array, 7): batch M K N transA transB broadcastB
//     row-major, batched; a is [batch, M, K] (or [batch, K, M] when transA), likewise b
//   adam(p, g, m, v, outP, outM, outV, h)   one Adam step of one variable, element-wise (below)
//   sumLeading(x, out, dims)         out[c] = sum over r of x[r, c]; dims (Int32Array, 2): rows cols
//   binary(op, a, b, out, dims)      out = a op b, one operand broadcast along the leading axes of
//                                    the other; op 0 add, 1 sub, 2 mul, 3 div, 4 dy·step(x) (ReLU's
//                                    gradient, a = dy, b = x, same size); dims (Int32Array, 3):
//                                    outer inner small (0: b is [inner], 1: a is [inner])
//   maxPoolGrad(x, dy, dx, dims)     dims (Int32Array, 14): N H W C OH OW fh fw sh sw dh dw top left
//   scaleShift(x, scale, shift, out, dims)   out = x·scale + shift per channel (BatchNorm's value);
//                                    dims (Int32Array, 2): rows cols
//   bnMoments(x, mean, variance, dims)   BatchNorm's batch mean and biased variance over the rows
//                                    of x [rows, cols]; dims (Int32Array, 2): rows cols
//   bnGrad(dy, x, mean, r, gamma, dx, dGamma, dBeta, dims)   training BatchNorm's gradient;
//                                    dims (Int32Array, 3): rows cols n
//   setThreads(n), threads(), version()
#include <node_api.h>
#include <omp.h>
#include <dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dnnl;

namespace {

engine& cpuEngine() {
  static engine eng(engine::kind::cpu, 0);
  return eng;
}

stream& cpuStream() {
  static stream s(cpuEngine());
  return s;
}

/** A convolution primitive and the layouts it runs on (x: src/diff_src, w: weights, y: dst/diff_dst). */
struct ConvEntry {
  primitive prim;
  memory::desc xDesc, wDesc, yDesc;
};

std::unordered_map<std::string, ConvEntry>& convCache() {
  static std::unordered_map<std::string, ConvEntry> cache;
  return cache;
}

/** The thread count setThreads asked for (OpenMP's default until then). */
int& userThreads() {
  static int n = omp_get_max_threads();
  return n;
}

/**
 * Convolutions below this many multiply-accumulates run on one thread (default 1e7; the env
 * variable CVGL_NATIVE_SERIAL_MACS overrides it, 0 = never). Measured on the quick benchmark step
 * (2 cores, every convolution < 5e6 MACs): 24-27 ms a step serial, 33-34 ms on two threads —
 * waking the second thread, which wasm's thread pool may be holding, costs more than it saves.
 */
double serialMacs() {
  static const double v = [] {
    const char* e = std::getenv("CVGL_NATIVE_SERIAL_MACS");
    return e && *e ? std::atof(e) : 1e7;
  }();
  return v;
}

/** Winograd convolutions unless CVGL_NATIVE_WINOGRAD=0 (direct ones round like PyTorch's). */
bool winogradEnabled() {
  static const bool on = [] {
    const char* e = std::getenv("CVGL_NATIVE_WINOGRAD");
    return !(e && std::string(e) == "0");
  }();
  return on;
}

bool throwError(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
  return false;
}

/** The data of a typed array of the given type (Float32Array, Int32Array), or a JS error. */
template <typename T>
bool getTyped(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* length, const std::string& what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type = napi_int8_array;
  void* ptr = nullptr;
  napi_value buf;
  size_t offset = 0;
  if (is) napi_get_typedarray_info(env, v, &type, length, &ptr, &buf, &offset);
  if (!is || type != want) return throwError(env, what);
  *data = static_cast<T*>(ptr);
  return true;
}

bool getF32(napi_env env, napi_value v, float** data, size_t* length, const char* name) {
  return getTyped(env, v, napi_float32_array, data, length, std::string(name) + " must be a Float32Array");
}

bool getI32(napi_env env, napi_value v, int32_t** data, size_t* length, const char* name) {
  return getTyped(env, v, napi_int32_array, data, length, std::string(name) + " must be an Int32Array");
}

/** The arguments both kernels take: three Float32Arrays (a, b, out) and an Int32Array of dims. */
struct ArrayArgs {
  float *a, *b, *out;
  size_t na, nb, nout;
  int32_t* d;
};

/** Reads args[first..first+3] into `r`; checks that dims has `ndims` entries. */
bool getArrayArgs(napi_env env, napi_value* args, int first, size_t ndims, const char* fn, ArrayArgs& r) {
  size_t nd = 0;
  if (!getF32(env, args[first], &r.a, &r.na, "a") || !getF32(env, args[first + 1], &r.b, &r.nb, "b") ||
      !getF32(env, args[first + 2], &r.out, &r.nout, "out") || !getI32(env, args[first + 3], &r.d, &nd, "dims"))
    return false;
  if (nd != ndims) return throwError(env, std::string(fn) + ": dims must have " + std::to_string(ndims) + " entries");
  return true;
}

napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 5) {
    throwError(env, "conv2d(mode, a, b, out, dims) takes 5 arguments");
    return nullptr;
  }
  int32_t mode = -1;
  napi_get_value_int32(env, args[0], &mode);
  ArrayArgs x;
  if (!getArrayArgs(env, args, 1, 17, "conv2d", x)) return nullptr;
  float *a = x.a, *b = x.b, *out = x.out;
  const size_t na = x.na, nb = x.nb, nout = x.nout;
  const int32_t* d = x.d;
  const memory::dim N = d[0], H = d[1], W = d[2], C = d[3], KH = d[4], KW = d[5], O = d[6], OH = d[7], OW = d[8];
  const memory::dims strides = {d[9], d[10]};
  const memory::dims dilates = {d[11] - 1, d[12] - 1};
  const memory::dims padL = {d[13], d[14]};
  const memory::dims padR = {d[15], d[16]};
  const size_t xSize = N * H * W * C, wSize = KH * KW * C * O, ySize = N * OH * OW * O;
  const size_t want[3][3] = {{xSize, wSize, ySize}, {ySize, wSize, xSize}, {xSize, ySize, wSize}};
  if (mode < 0 || mode > 2) {
    throwError(env, "conv2d: mode must be 0 (forward), 1 (backward data) or 2 (backward weights)");
    return nullptr;
  }
  if (na != want[mode][0] || nb != want[mode][1] || nout != want[mode][2]) {
    throwError(env, "conv2d: array lengths do not match dims");
    return nullptr;
  }
  using tag = memory::format_tag;
  using dt = memory::data_type;
  // the tensors as TensorFlow.js lays them out
  memory::desc xMd({N, C, H, W}, dt::f32, tag::nhwc);
  memory::desc wMd({O, C, KH, KW}, dt::f32, tag::hwio);
  memory::desc yMd({N, O, OH, OW}, dt::f32, tag::nhwc);
  // Large problems: oneDNN picks its own (blocked) layouts; its direct JIT kernels run on those,
  // while on plain NHWC it falls back to an im2col GEMM, 4-10x slower for the gradients of a
  // full-size VGG16 layer. Small problems: the reorders to and from those layouts cost more than
  // they save (quick benchmark step: 60 ms blocked, 47 ms plain), so they stay in TF's layouts.
  const double macs = double(N) * OH * OW * O * KH * KW * C;
  const bool plain = macs < 2e7;
  // Tiny problems run on one thread: waking the others costs more than they save there.
  const int nthr = macs < serialMacs() ? 1 : userThreads();
  omp_set_num_threads(nthr);
  struct RestoreThreads {
    ~RestoreThreads() { omp_set_num_threads(userThreads()); }
  } restore;
  memory::desc xAny = plain ? xMd : memory::desc({N, C, H, W}, dt::f32, tag::any);
  memory::desc wAny = plain ? wMd : memory::desc({O, C, KH, KW}, dt::f32, tag::any);
  memory::desc yAny = plain ? yMd : memory::desc({N, O, OH, OW}, dt::f32, tag::any);
  try {
    engine& eng = cpuEngine();
    stream& s = cpuStream();
    // user memory in, reordered to the primitive's layout when that differs
    auto input = [&](const memory::desc& want, const memory::desc& user, float* ptr) {
      memory u(user, eng, ptr);
      if (want == user) return u;
      memory m(want, eng);
      reorder(u, m).execute(s, u, m);
      return m;
    };
    // the primitive writes here; `finish` copies it to the user's array when layouts differ
    auto output = [&](const memory::desc& want, const memory::desc& user, float* ptr) {
      return want == user ? memory(user, eng, ptr) : memory(want, eng);
    };
    auto finish = [&](memory& m, const memory::desc& user, float* ptr) {
      if (m.get_desc() == user) return;
      memory u(user, eng, ptr);
      reorder(m, u).execute(s, m, u);
    };
    // primitive descriptors are costly to create (implementation dispatch): one per shape and mode
    std::string key(reinterpret_cast<const char*>(d), 17 * sizeof(int32_t));
    key += char('0' + mode);
    key += std::to_string(nthr);  // oneDNN fixes its work split when the primitive is created
    auto it = convCache().find(key);
    if (it == convCache().end()) {
      // 3x3, stride 1, undilated, large images (all of VGG16's convolutions at full size): oneDNN's
      // Winograd F(4x4, 3x3) kernels, 2.2-2.7x faster than direct ones on a 112x616 or 28x154
      // layer here (slower on 7x38); direct where the CPU has no Winograd kernel (before AVX-512)
      const bool wino = !plain && KH == 3 && KW == 3 && d[9] == 1 && d[10] == 1 && d[11] == 1 && d[12] == 1 && OH * OW >= 1024 &&
                        winogradEnabled();
      auto make = [&](algorithm alg) {
        ConvEntry e;
        convolution_forward::desc fwdDesc(prop_kind::forward_training, alg, xAny, wAny, yAny, strides, dilates, padL, padR);
        convolution_forward::primitive_desc fwdPd(fwdDesc, eng);
        if (mode == 0) {
          e = {convolution_forward(fwdPd), fwdPd.src_desc(), fwdPd.weights_desc(), fwdPd.dst_desc()};
        } else if (mode == 1) {
          convolution_backward_data::desc bd(alg, xAny, wAny, yAny, strides, dilates, padL, padR);
          convolution_backward_data::primitive_desc pd(bd, eng, fwdPd);
          e = {convolution_backward_data(pd), pd.diff_src_desc(), pd.weights_desc(), pd.diff_dst_desc()};
        } else {
          convolution_backward_weights::desc bw(alg, xAny, wAny, yAny, strides, dilates, padL, padR);
          convolution_backward_weights::primitive_desc pd(bw, eng, fwdPd);
          e = {convolution_backward_weights(pd), pd.src_desc(), pd.diff_weights_desc(), pd.diff_dst_desc()};
        }
        return e;
      };
      ConvEntry e;
      try {
        e = make(wino ? algorithm::convolution_winograd : algorithm::convolution_direct);
      } catch (const dnnl::error&) {
        if (!wino) throw;
        e = make(algorithm::convolution_direct);  // no Winograd implementation for this CPU or shape
      }
      if (convCache().size() > 512) convCache().clear();
      it = convCache().emplace(key, std::move(e)).first;
    }
    ConvEntry& e = it->second;
    if (mode == 0) {
      memory x = input(e.xDesc, xMd, a), w = input(e.wDesc, wMd, b);
      memory y = output(e.yDesc, yMd, out);
      e.prim.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}});
      finish(y, yMd, out);
    } else if (mode == 1) {
      memory dy = input(e.yDesc, yMd, a), w = input(e.wDesc, wMd, b);
      memory dx = output(e.xDesc, xMd, out);
      e.prim.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dx}});
      finish(dx, xMd, out);
    } else {
      memory x = input(e.xDesc, xMd, a), dy = input(e.yDesc, yMd, b);
      memory dw = output(e.wDesc, wMd, out);
      e.prim.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
      finish(dw, wMd, out);
    }
    s.wait();
  } catch (const dnnl::error& e) {
    throwError(env, std::string("oneDNN: ") + e.what());
    return nullptr;
  }
  return nullptr;
}

napi_value Matmul(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 4) {
    throwError(env, "matmul(a, b, out, dims) takes 4 arguments");
    return nullptr;
  }
  ArrayArgs x;
  if (!getArrayArgs(env, args, 0, 7, "matmul", x)) return nullptr;
  const float *a = x.a, *b = x.b;
  float* out = x.out;
  const size_t na = x.na, nb = x.nb, nout = x.nout;
  const int32_t* d = x.d;
  const int64_t batch = d[0], M = d[1], K = d[2], N = d[3];
  const bool ta = d[4] != 0, tb = d[5] != 0, bcastB = d[6] != 0;
  if (na != size_t(batch * M * K) || nb != size_t((bcastB ? 1 : batch) * K * N) || nout != size_t(batch * M * N)) {
    throwError(env, "matmul: array lengths do not match dims");
    return nullptr;
  }
  for (int64_t i = 0; i < batch; i++) {
    dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.0f, a + i * M * K, ta ? M : K,
                                  b + (bcastB ? 0 : i * K * N), tb ? K : N, 0.0f, out + i * M * N, N);
    if (st != dnnl_success) {
      throwError(env, "oneDNN sgemm failed");
      return nullptr;
    }
  }
  return nullptr;
}

/** A loop worth splitting over threads: below this many elements the fork costs more than it saves. */
constexpr size_t kParallelMin = 1 << 15;

/**
 * Adam (Kingma & Ba, Algorithm 1, as torch.optim.Adam: weight decay as an L2 term added to the
 * gradient), one variable, in the order of lib/train/optimizers.ts' element-wise ops so that the
 * result is the same float32 arithmetic:
 *   g = g0 + p·wd;  m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *   p' = p − (m' / (√v' / √(1−β2^t) + ε)) · lr/(1−β1^t)
 * h (Float32Array, 8): β1, 1−β1, β2, 1−β2, ε, wd, lr/(1−β1^t), √(1−β2^t).
 */
napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value args[8];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 8) {
    throwError(env, "adam(p, g, m, v, outP, outM, outV, h) takes 8 arguments");
    return nullptr;
  }
  float* a[7];
  size_t n[7];
  const char* names[7] = {"p", "g", "m", "v", "outP", "outM", "outV"};
  for (int i = 0; i < 7; i++)
    if (!getF32(env, args[i], &a[i], &n[i], names[i])) return nullptr;
  float* h;
  size_t nh = 0;
  if (!getF32(env, args[7], &h, &nh, "h")) return nullptr;
  for (int i = 1; i < 7; i++)
    if (n[i] != n[0]) {
      throwError(env, "adam: p, g, m, v and the outputs must have the same length");
      return nullptr;
    }
  if (nh != 8) {
    throwError(env, "adam: h must have 8 entries");
    return nullptr;
  }
  const float b1 = h[0], omb1 = h[1], b2 = h[2], omb2 = h[3], eps = h[4], wd = h[5], step = h[6], sqrtBc2 = h[7];
  const float *p = a[0], *g0 = a[1], *m = a[2], *v = a[3];
  float *outP = a[4], *outM = a[5], *outV = a[6];
  const int64_t len = int64_t(n[0]);
#pragma omp parallel for schedule(static) if (n[0] >= kParallelMin)
  for (int64_t i = 0; i < len; i++) {
    const float g = wd != 0.0f ? g0[i] + p[i] * wd : g0[i];
    const float mi = m[i] * b1 + g * omb1;
    const float vi = v[i] * b2 + (g * g) * omb2;
    const float denom = std::sqrt(vi) / sqrtBc2 + eps;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = p[i] - (mi / denom) * step;
  }
  return nullptr;
}

/** Sum over the leading axes: x viewed as [rows, cols], out[c] = x[0, c] + x[1, c] + … in row order. */
napi_value SumLeading(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 3) {
    throwError(env, "sumLeading(x, out, dims) takes 3 arguments");
    return nullptr;
  }
  float *x, *out;
  int32_t* d;
  size_t nx = 0, nout = 0, nd = 0;
  if (!getF32(env, args[0], &x, &nx, "x") || !getF32(env, args[1], &out, &nout, "out") || !getI32(env, args[2], &d, &nd, "dims"))
    return nullptr;
  if (nd != 2 || d[0] < 1 || d[1] < 1 || nx != size_t(d[0]) * size_t(d[1]) || nout != size_t(d[1])) {
    throwError(env, "sumLeading: dims must be [rows, cols] with x of rows*cols and out of cols values");
    return nullptr;
  }
  const int64_t rows = d[0], cols = d[1];
  // columns in blocks of 64 (a few cache lines) so that threads write disjoint parts of out
  const int64_t block = 64, blocks = (cols + block - 1) / block;
#pragma omp parallel for schedule(static) if (nx >= kParallelMin && blocks > 1)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t c0 = b * block, c1 = std::min(cols, c0 + block);
    float* o = out + c0;
    const int64_t w = c1 - c0;
    for (int64_t c = 0; c < w; c++) o[c] = x[c0 + c];
    for (int64_t r = 1; r < rows; r++) {
      const float* row = x + r * cols + c0;
      for (int64_t c = 0; c < w; c++) o[c] += row[c];
    }
  }
  return nullptr;
}

/**
 * BatchNorm's batch moments over the leading axes of x [rows, cols] (tf.moments(x, [0, 1, 2]) of
 * an NHWC map) with the float32 operations, in their order, of the kernels they replace (the
 * addon's Mean, Sub, Square, Mean): mean[c] = (Σ_r x[r,c]) / rows and
 * var[c] = (Σ_r (x[r,c] − mean[c])²) / rows, each sum from row 0 down. Two passes over x where
 * tfjs makes five and two temporaries of x's size.
 */
napi_value BnMoments(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 4) {
    throwError(env, "bnMoments(x, mean, variance, dims) takes 4 arguments");
    return nullptr;
  }
  ArrayArgs a;  // a = x, b = mean, out = variance
  if (!getArrayArgs(env, args, 0, 2, "bnMoments", a)) return nullptr;
  const int64_t rows = a.d[0], cols = a.d[1];
  if (rows < 1 || cols < 1 || a.na != size_t(rows * cols) || a.nb != size_t(cols) || a.nout != size_t(cols)) {
    throwError(env, "bnMoments: x must hold rows*cols values, mean and variance cols");
    return nullptr;
  }
  const float* x = a.a;
  float* mean = a.b;
  float* var = a.out;
  const float nf = float(rows);
  const int64_t block = 64, blocks = (cols + block - 1) / block;
#pragma omp parallel for schedule(static) if (a.na >= kParallelMin && blocks > 1)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t c0 = b * block, w = std::min(cols, c0 + block) - c0;
    float acc[64];
    for (int64_t c = 0; c < w; c++) acc[c] = x[c0 + c];
    for (int64_t r = 1; r < rows; r++) {
      const float* row = x + r * cols + c0;
      for (int64_t c = 0; c < w; c++) acc[c] += row[c];
    }
    float m[64];
    for (int64_t c = 0; c < w; c++) m[c] = mean[c0 + c] = acc[c] / nf;
    for (int64_t c = 0; c < w; c++) {
      const float d = x[c0 + c] - m[c];
      acc[c] = d * d;
    }
    for (int64_t r = 1; r < rows; r++) {
      const float* row = x + r * cols + c0;
      for (int64_t c = 0; c < w; c++) {
        const float d = row[c] - m[c];
        acc[c] += d * d;
      }
    }
    for (int64_t c = 0; c < w; c++) var[c0 + c] = acc[c] / nf;
  }
  return nullptr;
}

/**
 * The gradient of training-mode BatchNorm (lib/engine/kernels/batch_norm.ts) with the float32
 * operations, in their order, of its tfjs ops: x̂ = (x − μ)·r, ∂β = Σ_r dy, ∂γ = Σ_r dy·x̂ (sums
 * from row 0 down), ∂x = ((dy − ∂β/n) − x̂·(∂γ/n))·(γ·r). Two passes over x and dy where tfjs
 * makes nine, and no temporaries of their size.
 * bnGrad(dy, x, mean, r, gamma, dx, dGamma, dBeta, dims [rows, cols, n]).
 */
napi_value BnGrad(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value args[9];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 9) {
    throwError(env, "bnGrad(dy, x, mean, r, gamma, dx, dGamma, dBeta, dims) takes 9 arguments");
    return nullptr;
  }
  const char* names[8] = {"dy", "x", "mean", "r", "gamma", "dx", "dGamma", "dBeta"};
  float* p[8];
  size_t len[8];
  for (int i = 0; i < 8; i++)
    if (!getF32(env, args[i], &p[i], &len[i], names[i])) return nullptr;
  int32_t* d;
  size_t nd = 0;
  if (!getI32(env, args[8], &d, &nd, "dims")) return nullptr;
  if (nd != 3 || d[0] < 1 || d[1] < 1 || d[2] < 1) {
    throwError(env, "bnGrad: dims must be [rows, cols, n]");
    return nullptr;
  }
  const int64_t rows = d[0], cols = d[1];
  const size_t big = size_t(rows * cols);
  if (len[0] != big || len[1] != big || len[5] != big || len[2] != size_t(cols) || len[3] != size_t(cols) || len[4] != size_t(cols) ||
      len[6] != size_t(cols) || len[7] != size_t(cols)) {
    throwError(env, "bnGrad: dy, x and dx must hold rows*cols values, mean, r, gamma, dGamma and dBeta cols");
    return nullptr;
  }
  const float *dy = p[0], *x = p[1], *mean = p[2], *rr = p[3], *gamma = p[4];
  float *dx = p[5], *dGamma = p[6], *dBeta = p[7];
  const float nf = float(d[2]);
  const int64_t block = 64, blocks = (cols + block - 1) / block;
#pragma omp parallel for schedule(static) if (big >= kParallelMin && blocks > 1)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t c0 = b * block, w = std::min(cols, c0 + block) - c0;
    float sb[64], sg[64];
    for (int64_t c = 0; c < w; c++) {
      const float xh = (x[c0 + c] - mean[c0 + c]) * rr[c0 + c];
      sb[c] = dy[c0 + c];
      sg[c] = dy[c0 + c] * xh;
    }
    for (int64_t r = 1; r < rows; r++) {
      const float* g = dy + r * cols + c0;
      const float* v = x + r * cols + c0;
      for (int64_t c = 0; c < w; c++) {
        const float xh = (v[c] - mean[c0 + c]) * rr[c0 + c];
        sb[c] += g[c];
        sg[c] += g[c] * xh;
      }
    }
    for (int64_t c = 0; c < w; c++) {
      dBeta[c0 + c] = sb[c];
      dGamma[c0 + c] = sg[c];
    }
  }
  std::vector<float> dbn(cols), gdn(cols), gr(cols);
  for (int64_t c = 0; c < cols; c++) {
    dbn[c] = dBeta[c] / nf;
    gdn[c] = dGamma[c] / nf;
    gr[c] = gamma[c] * rr[c];
  }
#pragma omp parallel for schedule(static) if (big >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * cols;
    const float* v = x + r * cols;
    float* o = dx + r * cols;
    for (int64_t c = 0; c < cols; c++) {
      const float xh = (v[c] - mean[c]) * rr[c];
      o[c] = ((g[c] - dbn[c]) - xh * gdn[c]) * gr[c];
    }
  }
  return nullptr;
}

/**
 * scaleShift(x, scale, shift, out, dims [rows, cols]): out[r,c] = x[r,c]·scale[c] + shift[c], a
 * product then a sum, each rounded to float32 (no fused multiply-add), as tfjs' Multiply then Add
 * of a per-channel vector give it: BatchNorm's forward value in one pass instead of two.
 */
napi_value ScaleShift(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 5) {
    throwError(env, "scaleShift(x, scale, shift, out, dims) takes 5 arguments");
    return nullptr;
  }
  const char* names[4] = {"x", "scale", "shift", "out"};
  float* p[4];
  size_t len[4];
  for (int i = 0; i < 4; i++)
    if (!getF32(env, args[i], &p[i], &len[i], names[i])) return nullptr;
  int32_t* d;
  size_t nd = 0;
  if (!getI32(env, args[4], &d, &nd, "dims")) return nullptr;
  if (nd != 2 || d[0] < 1 || d[1] < 1) {
    throwError(env, "scaleShift: dims must be [rows, cols]");
    return nullptr;
  }
  const int64_t rows = d[0], cols = d[1];
  const size_t big = size_t(rows * cols);
  if (len[0] != big || len[3] != big || len[1] != size_t(cols) || len[2] != size_t(cols)) {
    throwError(env, "scaleShift: x and out must hold rows*cols values, scale and shift cols");
    return nullptr;
  }
  const float *x = p[0], *sc = p[1], *sh = p[2];
  float* out = p[3];
#pragma omp parallel for schedule(static) if (big >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* v = x + r * cols;
    float* o = out + r * cols;
    for (int64_t c = 0; c < cols; c++) {
      const float prod = v[c] * sc[c];
      o[c] = prod + sh[c];
    }
  }
  return nullptr;
}

template <typename Op>
void broadcastRows(const float* a, const float* b, float* out, int64_t outer, int64_t inner, bool smallA, Op op) {
  const bool par = size_t(outer * inner) >= kParallelMin;
  if (outer < 16) {
    // few long rows (ReLU's gradient is one row): threads split each row
    for (int64_t r = 0; r < outer; r++) {
      float* o = out + r * inner;
      const float* x = smallA ? a : a + r * inner;
      const float* y = smallA ? b + r * inner : b;
#pragma omp parallel for schedule(static) if (par)
      for (int64_t c = 0; c < inner; c++) o[c] = op(x[c], y[c]);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < outer; r++) {
    float* o = out + r * inner;
    if (smallA) {
      const float* y = b + r * inner;
      for (int64_t c = 0; c < inner; c++) o[c] = op(a[c], y[c]);
    } else {
      const float* x = a + r * inner;
      for (int64_t c = 0; c < inner; c++) o[c] = op(x[c], b[c]);
    }
  }
}

/** a op b where one operand is [inner] and the other [outer, inner] (a bias add, a per-channel scale). */
napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 5) {
    throwError(env, "binary(op, a, b, out, dims) takes 5 arguments");
    return nullptr;
  }
  int32_t op = -1;
  napi_get_value_int32(env, args[0], &op);
  ArrayArgs x;
  if (!getArrayArgs(env, args, 1, 3, "binary", x)) return nullptr;
  const int64_t outer = x.d[0], inner = x.d[1];
  const bool smallA = x.d[2] != 0;
  const size_t big = size_t(outer * inner);
  if (op < 0 || op > 4 || outer < 1 || inner < 1 || x.nout != big || (smallA ? x.na : x.nb) != size_t(inner) ||
      (smallA ? x.nb : x.na) != big) {
    throwError(env, "binary: op must be 0-4 and the array lengths match [outer, inner] and [inner]");
    return nullptr;
  }
  switch (op) {
    case 0: broadcastRows(x.a, x.b, x.out, outer, inner, smallA, [](float p, float q) { return p + q; }); break;
    case 1: broadcastRows(x.a, x.b, x.out, outer, inner, smallA, [](float p, float q) { return p - q; }); break;
    case 2: broadcastRows(x.a, x.b, x.out, outer, inner, smallA, [](float p, float q) { return p * q; }); break;
    case 3: broadcastRows(x.a, x.b, x.out, outer, inner, smallA, [](float p, float q) { return p / q; }); break;
    // ReLU's gradient, dy · step(x) as tfjs computes it (step(NaN) = NaN)
    default:
      broadcastRows(x.a, x.b, x.out, outer, inner, smallA, [](float dy, float v) {
        const float step = v > 0.0f ? 1.0f : 0.0f;
        return dy * (v != v ? v : step);
      });
      break;
  }
  return nullptr;
}

/**
 * The gradient of max pooling (NHWC) with tfjs' cpu semantics: each window's dy goes to its first
 * maximum (strict >, from −inf, in row-major window order); padding never receives any.
 */
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != 4) {
    throwError(env, "maxPoolGrad(x, dy, dx, dims) takes 4 arguments");
    return nullptr;
  }
  ArrayArgs r;  // a = x, b = dy, out = dx
  if (!getArrayArgs(env, args, 0, 14, "maxPoolGrad", r)) return nullptr;
  const float *x = r.a, *dy = r.b;
  float* dx = r.out;
  const size_t nx = r.na, ndy = r.nb, ndx = r.nout;
  const int32_t* d = r.d;
  const int64_t N = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], fh = d[6], fw = d[7], sh = d[8], sw = d[9], dh = d[10],
                dw = d[11], top = d[12], left = d[13];
  if (nx != size_t(N * H * W * C) || ndx != nx || ndy != size_t(N * OH * OW * C) || dh < 1 || dw < 1) {
    throwError(env, "maxPoolGrad: array lengths do not match dims");
    return nullptr;
  }
  const bool par = nx >= kParallelMin;
  const int64_t chunk = 1 << 16, chunks = int64_t((nx + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) if (par)
  for (int64_t i = 0; i < chunks; i++) std::memset(dx + i * chunk, 0, std::min<int64_t>(chunk, nx - i * chunk) * sizeof(float));
  // one output row of one image: the first maximum of each window and channel gets dy
  auto outputRow = [&](int64_t b, int64_t oy, float* best, int64_t* where) {
    const int64_t y0 = oy * sh - top;
    for (int64_t ox = 0; ox < OW; ox++) {
      const int64_t x0 = ox * sw - left;
      std::fill(best, best + C, -std::numeric_limits<float>::infinity());
      std::fill(where, where + C, int64_t(-1));
      for (int64_t ky = 0; ky < fh; ky += dh) {
        const int64_t iy = y0 + ky;
        if (iy < 0 || iy >= H) continue;
        for (int64_t kx = 0; kx < fw; kx += dw) {
          const int64_t ix = x0 + kx;
          if (ix < 0 || ix >= W) continue;
          const int64_t base = ((b * H + iy) * W + ix) * C;
          for (int64_t c = 0; c < C; c++) {
            if (x[base + c] > best[c]) {
              best[c] = x[base + c];
              where[c] = base + c;
            }
          }
        }
      }
      const float* g = dy + ((b * OH + oy) * OW + ox) * C;
      for (int64_t c = 0; c < C; c++)
        if (where[c] >= 0) dx[where[c]] += g[c];
    }
  };
  // Threads take whole output rows when windows of different rows never share an input row
  // (VGG's 2x2 stride 2), else whole images: no two threads ever add to the same dx element.
  const bool rowsDisjoint = fh <= sh;
#pragma omp parallel if (par && (rowsDisjoint || N > 1))
  {
    std::vector<float> best(C);
    std::vector<int64_t> where(C);
    if (rowsDisjoint) {
#pragma omp for collapse(2) schedule(static)
      for (int64_t b = 0; b < N; b++)
        for (int64_t oy = 0; oy < OH; oy++) outputRow(b, oy, best.data(), where.data());
    } else {
#pragma omp for schedule(static)
      for (int64_t b = 0; b < N; b++)
        for (int64_t oy = 0; oy < OH; oy++) outputRow(b, oy, best.data(), where.data());
    }
  }
  return nullptr;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  int32_t n = 0;
  if (argc == 1) napi_get_value_int32(env, args[0], &n);
  if (n >= 1) {
    userThreads() = n;
    omp_set_num_threads(n);
  }
  return nullptr;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, omp_get_max_threads(), &v);
  return v;
}

napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  std::string s = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  napi_value out;
  napi_create_string_utf8(env, s.c_str(), s.size(), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumLeading", nullptr, SumLeading, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scaleShift", nullptr, ScaleShift, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnMoments", nullptr, BnMoments, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnGrad", nullptr, BnGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
