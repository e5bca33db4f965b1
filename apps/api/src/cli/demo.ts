import type { Role } from '@verity/db';

export const DEMO_PASSWORD = 'Verity demo passphrase 2026';

export interface DemoAccount {
  username: string;
  displayName: string;
  roles: Role[];
  elevated: boolean;
}

export interface DemoOrganisation {
  slug: string;
  name: string;
  emailDomains: string[];
  administrator: { username: string; displayName: string; contactEmail: string };
  staff: DemoAccount[];
}

/** Two made-up NHS organisations for a first look; none of these people or places exist. */
export const demoOrganisations: DemoOrganisation[] = [
  {
    slug: 'northshire',
    name: 'Northshire Hospitals NHS Foundation Trust',
    emailDomains: ['northshire.nhs.uk'],
    administrator: {
      username: 'priya.shah@northshire.nhs.uk',
      displayName: 'Priya Shah',
      contactEmail: 'priya.shah@example.com',
    },
    staff: [
      { username: 'jane.doe@northshire.nhs.uk', displayName: 'Jane Doe', roles: ['staff'], elevated: false },
      {
        username: 'tom.okafor@northshire.nhs.uk',
        displayName: 'Tom Okafor',
        roles: ['staff'],
        elevated: false,
      },
      {
        username: 'sam.lee@northshire.nhs.uk',
        displayName: 'Sam Lee',
        roles: ['staff', 'tenant_admin'],
        elevated: true,
      },
    ],
  },
  {
    slug: 'riverside',
    name: 'Riverside Community Health NHS Trust',
    emailDomains: ['riverside.nhs.uk'],
    administrator: {
      username: 'gareth.evans@riverside.nhs.uk',
      displayName: 'Gareth Evans',
      contactEmail: 'gareth.evans@example.com',
    },
    staff: [
      {
        username: 'amy.clarke@riverside.nhs.uk',
        displayName: 'Amy Clarke',
        roles: ['staff'],
        elevated: false,
      },
      { username: 'raj.patel@riverside.nhs.uk', displayName: 'Raj Patel', roles: ['staff'], elevated: false },
    ],
  },
];
