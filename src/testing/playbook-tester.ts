/**
 * PlaybookTester: declares a jest test for every playbook of a folder (valid, documented, tested)
 * and for each of its fixture cases — the playbooks' counterpart of DetectorTester. The folder's
 * layout and the fixture format are described in src/testing/playbook-fixtures.ts.
 *
 * ```ts
 * new PlaybookTester(__dirname).run();
 * ```
 */
import { PlaybookFixtures, summarizeExpected } from './playbook-fixtures';

export class PlaybookTester {
  private readonly fixtures: PlaybookFixtures;

  constructor(readonly dir: string) {
    this.fixtures = new PlaybookFixtures(dir);
  }

  /** Declares one jest test per playbook and per case. */
  run(): void {
    const playbooks = this.fixtures.playbooks();
    describe(`playbooks in ${this.dir}`, () => {
      it('has no fixtures for playbooks that do not exist', () => {
        expect(this.fixtures.orphanFixtures(playbooks)).toEqual([]);
      });
      for (const p of playbooks) {
        describe(p.name, () => {
          it('is valid, documented and tested', () => {
            expect(p.problems).toEqual([]);
          });
          for (const c of p.cases) {
            it(c.name, async () => {
              const result = await this.fixtures.runCase(p, c);
              expect(result.actual).toEqual(result.expected.map((e) => summarizeExpected(e)));
            });
          }
        });
      }
    });
  }
}
