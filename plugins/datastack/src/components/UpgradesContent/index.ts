export { UpgradesContent } from './UpgradesContent';
