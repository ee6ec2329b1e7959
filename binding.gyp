# Builds the optional native kernels (native/: gemm, attention) with node-gyp; native/build.cjs runs it at install time.
{
  "targets": [
    {
      "target_name": "gptlab_native",
      "sources": ["native/gemm.cc", "native/attention.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
