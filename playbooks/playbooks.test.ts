import { PlaybookTester } from '../src/testing/playbook-tester';

new PlaybookTester(__dirname).run();
