export {
  ChartVersionsTable,
  ClusterImpacts,
  PlanSteps,
  UpgradePlanView,
} from './UpgradePlanView';
