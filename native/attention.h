// Native causal attention, cross-entropy and GELU kernels (native/attention.cc), called from the N-API glue in native/gemm.cc.
#pragma once

/** Forward for heads bh in [bh0, bh1) of (B, NH): out (B,T,C), att (B,NH,T,T) probabilities, qkv (B,T,3C). */
void attentionForwardHeads(float* out, float* att, const float* qkv, int B, int T, int C, int NH, int bh0, int bh1);
/** Backward for heads [bh0, bh1): dqkv += gradient, given dout (B,T,C) and the forward's att. */
void attentionBackwardHeads(float* dqkv, const float* dout, const float* qkv, const float* att, int B, int T, int C, int NH, int bh0, int bh1);
/**
 * Cross-entropy forward for rows [n0, n1) of logits (N,V): probs = softmax (tiny values flushed to 0), losses[n] =
 * log-sum-exp - logit[target] in float64 (0 where target < 0; targets must be < V).
 */
void crossEntropyRows(float* probs, const float* logits, const int* targets, double* losses, int V, int n0, int n1);
/** GELU (tanh approximation) of values [i0, i1): out = gelu(x). */
void geluForwardRange(float* out, const float* x, int i0, int i1);
/** Its backward on values [i0, i1): dx += gelu'(x) dout. */
void geluBackwardRange(float* dx, const float* dout, const float* x, int i0, int i1);
