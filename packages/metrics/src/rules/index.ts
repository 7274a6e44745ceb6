/** Alerting and recording rules: Prometheus rule files evaluated against a database. */
export type { AlertSink, PostableAlert } from '../alerting/alert.js';
export {
  type Alert,
  type AlertContext,
  AlertingRule,
  type AlertState,
  RESOLVED_RETENTION_MS,
} from './alerting.js';
export { type RulesApiOptions, rulesApi } from './api.js';
export { alertingConfigSpec } from './config.js';
export {
  type AlertingRuleConfig,
  formatProblem,
  type GroupConfig,
  loadRuleFiles,
  parseRuleFile,
  type RecordingRuleConfig,
  type RuleConfig,
  RuleFileError,
  type RuleFileProblem,
} from './file.js';
export { formatE, formatG } from './format.js';
export { Group, type GroupCounters, type GroupOptions } from './group.js';
export { RuleManager, type RuleManagerOptions, type RuleMetricFamily } from './manager.js';
export { RecordingRule } from './recording.js';
export { type QueryFunc, Rule, type RuleHealth, type RuleSample } from './rule.js';
export { parseTemplate, type Template, type TemplateData, TemplateError } from './template.js';
