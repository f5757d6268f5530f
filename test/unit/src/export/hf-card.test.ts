import { parse as parseYaml } from 'yaml';
import { configName, datasetCard, DEFAULT_HF_OPTIONS, sizeCategory } from '../../../../src/export/hf';
import { SplitName } from '../../../../src/modules/dialogue/dialogue.type';

test('size categories follow the Hub bands', () => {
  expect(sizeCategory(999)).toBe('n<1K');
  expect(sizeCategory(1000)).toBe('1K<n<10K');
  expect(sizeCategory(21039)).toBe('10K<n<100K');
});

test('config names keep what the Hub accepts', () => {
  expect(configName('llm-redial')).toBe('llm-redial');
  expect(configName('my data/set')).toBe('my_data_set');
});

test('the card names each run’s model, seed, prompt versions and config hash; several configs, the first is default', () => {
  const counts = new Map([
    ['alpha', new Map([[SplitName.TRAIN, new Map([['Cold-Start Browser', 3]])]])],
    ['beta', new Map([[SplitName.TEST, new Map([['(none)', 2]])]])],
  ]);
  const card = datasetCard({
    options: { ...DEFAULT_HF_OPTIONS, license: 'mit', name: 'Two "quoted" sets' },
    files: [
      { config: 'alpha', split: SplitName.TRAIN, name: 'alpha/train-00000-of-00001.parquet', rows: 3 },
      { config: 'beta', split: SplitName.TEST, name: 'beta/test-00000-of-00001.parquet', rows: 2 },
    ],
    counts,
    runs: [{ id: 7, role: 'TEACHER', strategy: 'STEREOTYPE', model: 'llama-3.1-70b', configHash: 'abc123', seed: 42, prompts: { system: 3, user: 1 } }],
    total: 5,
  });
  const meta = parseYaml(card.match(/^---\n([\s\S]*?)\n---\n/)![1]);
  expect(meta.license).toBe('mit');
  expect(meta.pretty_name).toBe('Two "quoted" sets');
  expect(meta.configs).toEqual([
    { config_name: 'alpha', default: true, data_files: [{ split: 'train', path: 'alpha/train-00000-of-00001.parquet' }] },
    { config_name: 'beta', data_files: [{ split: 'test', path: 'beta/test-00000-of-00001.parquet' }] },
  ]);
  expect(card).toContain('| 7 | TEACHER | STEREOTYPE | llama-3.1-70b | 42 | system v3, user v1 | `abc123` |');
  expect(card).toContain('| Cold-Start Browser | 3 | 3 |');
});
