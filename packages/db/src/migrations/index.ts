import { Init1763900000000 } from './1763900000000-Init.js';
import { DeliveryTarget1763900000001 } from './1763900000001-DeliveryTarget.js';
import { ProviderEvents1763900000002 } from './1763900000002-ProviderEvents.js';
import { ChannelSettings1763900000003 } from './1763900000003-ChannelSettings.js';
import { DeliveryStatements1763900000004 } from './1763900000004-DeliveryStatements.js';
import { SignIn1763900000005 } from './1763900000005-SignIn.js';
import { Sessions1763900000006 } from './1763900000006-Sessions.js';
import { SignInStatements1763900000007 } from './1763900000007-SignInStatements.js';
import { Enrolment1763900000008 } from './1763900000008-Enrolment.js';
import { AccountHybrid1763900000009 } from './1763900000009-AccountHybrid.js';
import { DirectorySettings1763900000010 } from './1763900000010-DirectorySettings.js';
import { SignInLookups1763900000011 } from './1763900000011-SignInLookups.js';
import { ApiKeyScopes1763900000015 } from './1763900000015-ApiKeyScopes.js';
import { OperatorFunctions1763900000016 } from './1763900000016-OperatorFunctions.js';
import { AtomicPushLimits1763900000020 } from './1763900000020-AtomicPushLimits.js';

/** In order. A new migration is a new timestamp-named file and a line here. */
export const migrations = [
  Init1763900000000,
  DeliveryTarget1763900000001,
  ProviderEvents1763900000002,
  ChannelSettings1763900000003,
  DeliveryStatements1763900000004,
  SignIn1763900000005,
  Sessions1763900000006,
  SignInStatements1763900000007,
  Enrolment1763900000008,
  AccountHybrid1763900000009,
  DirectorySettings1763900000010,
  SignInLookups1763900000011,
  ApiKeyScopes1763900000015,
  OperatorFunctions1763900000016,
  AtomicPushLimits1763900000020,
];
