# Builds the optional native kernels (native/: gemm, attention) with node-gyp; native/build.cjs runs it at install time.
# The kernels use x86 AVX2/AVX-512 intrinsics (<immintrin.h>) and GCC/Clang target attributes: they build with GCC
# or Clang on x64 (Linux, Intel Macs with the Xcode command line tools); build.cjs skips other CPUs and MSVC
# (Windows) with one line, and the WebAssembly kernels do the work there. -ffp-contract=off: no fused multiply-adds
# the source did not write, so results match the WebAssembly kernels' rounding.
{
  "targets": [
    {
      "target_name": "gptlab_native",
      "sources": ["native/gemm.cc", "native/attention.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "GCC_ENABLE_CPP_EXCEPTIONS": "NO",
            "GCC_ENABLE_CPP_RTTI": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=off"]
          }
        }],
        ["target_arch!='x64' and target_arch!='ia32'", {
          "type": "none",
          "sources!": ["native/gemm.cc", "native/attention.cc"]
        }]
      ]
    }
  ]
}
