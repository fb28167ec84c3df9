/**
 * `npm run kcl:pom`: writes docker/kcl-jars.pom.xml, the list of the KCL daemon's jars the Dockerfile
 * fetches, from the same code that fills .kcl/jars (aws-kcl's pom with KCL_OVERRIDES,
 * src/drivers/kcl-daemon/jars.ts). Run it after changing either; a test fails while they differ.
 */
import { readFileSync } from 'node:fs';
import { DOCKER_JARS_POM, jarsPom, kclArtifacts, kclPomPath } from '../src/drivers/kcl-daemon/jars';
import { writeGenerated } from './lib/write-generated';

writeGenerated(DOCKER_JARS_POM, jarsPom(kclArtifacts(readFileSync(kclPomPath(), 'utf8'))));
