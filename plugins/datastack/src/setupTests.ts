import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The heavy page tests render the whole upgrade view; on a busy 2-core CI
// machine one can take longer than jest's 5 s default, and a `findBy` longer
// than testing-library's 1 s. `testTimeout` in package.json is a global jest
// option, ignored when `backstage-cli repo test` runs every package as a
// project, so both are set here.
jest.setTimeout(30_000);
configure({ asyncUtilTimeout: 5_000 });
