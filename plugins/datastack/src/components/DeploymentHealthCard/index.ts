export {
  DeploymentHealthCard,
  RollupStatusLabel,
} from './DeploymentHealthCard';
