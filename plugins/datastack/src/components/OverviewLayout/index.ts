export {
  DatastackOverviewLayout,
  DEPLOYMENT_HEALTH_CARD_ID,
} from './DatastackOverviewLayout';
