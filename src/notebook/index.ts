// The notebook layer in one import for notebooks: display, plots, tables, parameters, training views, data helpers,
// and the figures recorded for the regression. (tables.ts loads arquero, an ESM-only package: jest imports modules one by one.)

export { show, loadPlotly, saveFigure, liveDisplay, progress, outputDir, projectRoot } from "./display.js";
export type { Content, LiveDisplay, Progress } from "./display.js";
export type { Figure } from "./figure.js";
export { linePlot, smallMultiples, liveLossCurve, bestPoint, thin, palette } from "./plot.js";
export type { Series, Panel, PointMark, GapMark, VLineMark, HLineMark, LinePlotOptions } from "./plot.js";
export { showTable, tableHtml, tableText, toTable, historyDataFrame, showRecords } from "./tables.js";
export { notebookParams, checkParam } from "./params.js";
export { trainView, trainSweep, keepBest, lossCurves, evalCurves, runSummary, InterruptSignal } from "./training.js";
export type { TrainView, TrainViewOptions, SweepOptions, KeepBest, RunSummary } from "./training.js";
export { projectPath, writeSplitCorpus, memorizerLoss, memorizerFloor, unknownWords } from "./corpus.js";
export { record, recordedFigures, tolerances } from "./record.js";
export type { Tolerance, ToleranceName } from "./record.js";
export { sweep, sweepResult, sweepHeatmap, sweepCurves, sweepPanels, sweepSlider, trialCurves, lrRangeFigure } from "./sweep.js";
export type { SweepResult, SweepRunOptions, HeatmapOptions, CurvesOptions, PanelsOptions, SliderOptions } from "./sweep.js";
export { barChart, heatmapGrid, tableHeatmap } from "./charts.js";
export type { BarChartOptions, HeatmapPanel, HeatmapGridOptions, TableHeatmapOptions } from "./charts.js";
export { num, lrText, listText, plural, perplexityText, divergence, divergenceNote, flagDivergences } from "./lessons.js";
export { askQuestions, checkQuestion } from "./questions.js";
export type { Question, NumberQuestion, ChoiceQuestion, QuestionResult } from "./questions.js";
export type { Divergence } from "./lessons.js";
export { warmupFindings, referenceFinding, clippingFindings, highestStableLr, sizeFindings, guideTier, guideAgrees, tinyRunFindings, tierFindings } from "./findings.js";
export { seedSpread, marginNoise, beyondNoise, unfinishedTrialsText, lrEdgeText, exponentText, repetitionFindings, timingFindings, forgettingFindings, tierWinners, rightSizingFindings, earlyStoppingFindings, halfLossFindings, circuitFindings, uniformPrevious, digestMismatches, tokenizerFindings } from "./findings.js";
export type { WarmupResult, SizeChoice, TinyRun, TierCell, TimingPoint, ReplayResult, TierWinner, TierTrial, TokenizerCost } from "./findings.js";
export { samplesView, samplesContent, samplesByStep, SamplesView } from "./samples.js";
export { diagnosticsFigure } from "./diagnostics.js";
export type { DiagnosticsFigureOptions } from "./diagnostics.js";
