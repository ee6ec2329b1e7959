#!/usr/bin/env node
// Entry point of `npx gptlab`: runs the TypeScript CLI through tsx's loader (no build step to forget).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv.slice(2));
