/**
 * `npm run schema:playbook`: writes playbooks/playbook.schema.json, the JSON Schema editors validate
 * playbooks with, from the zod schema in src/playbooks/editor-schema.ts. Run it after changing the
 * playbook language; a test fails while the committed file differs.
 */
import { playbookJsonSchemaText, SCHEMA_FILE } from '../src/playbooks/editor-schema';
import { writeGenerated } from './lib/write-generated';

writeGenerated(SCHEMA_FILE, playbookJsonSchemaText());
