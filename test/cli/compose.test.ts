// kctl compose: the Compose file → Kubernetes objects mapping, case by case from the Compose
// specification (ports, environment, volumes, healthcheck, depends_on, restart, deploy), and
// the errors a bad file gets (key and line named, nothing converted). Pure: no cluster, no disk.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, DEFAULT_CONVERT_OPTIONS, k8sName, projectSelector, type ConvertOptions } from '../../cli/kctl/compose/convert.js';
import { interpolate } from '../../cli/kctl/compose/interpolate.js';
import { ComposeError, loadCompose } from '../../cli/kctl/compose/load.js';
import { parsePortSpec } from '../../cli/kctl/compose/ports.js';
import { shellSplit } from '../../cli/kctl/compose/shell-words.js';
import { byteQuantity, parseComposeDuration } from '../../cli/kctl/compose/units.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FILES: Record<string, string> = {
  '/proj/.env': 'TAG=1.25\n# a comment\nFROM_DOTENV="quoted value"\n',
  '/proj/web.env': 'A=from-file\nB=from-file\n',
  '/proj/nginx.conf': 'server {}\n',
  '/proj/pw.txt': 'hunter2',
};
const readFile = (p: string) => {
  if (!(p in FILES)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return Buffer.from(FILES[p]!);
};

function load(text: string, env: Record<string, string> = {}) {
  return loadCompose(text, '/proj/docker-compose.yml', { env, readFile });
}

function conv(text: string, opts: Partial<ConvertOptions> = {}, env: Record<string, string> = {}) {
  const r = convert(load(text, env), { ...DEFAULT_CONVERT_OPTIONS, ...opts });
  const find = (kind: string, name: string) => r.objects.find((o) => o.kind === kind && o.metadata.name === name) as Obj | undefined;
  const container = (name: string) => (find('Deployment', name) ?? find('Pod', name)) && ((find('Deployment', name)?.spec.template.spec ?? find('Pod', name)!.spec).containers[0] as Obj);
  return { ...r, find, container };
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ComposeError) return e.problems;
    throw e;
  }
  throw new Error('expected the file to be refused');
}

const svc = (body: string) => `services:\n  web:\n    image: nginx\n${body.replace(/^/gm, '    ')}\n`;

describe('ports (short and long syntax)', () => {
  const cases: [string, unknown, object[]][] = [
    ['container port only', '3000', [{ target: 3000, protocol: 'tcp' }]],
    ['a number', 3000, [{ target: 3000, protocol: 'tcp' }]],
    ['published:target', '8000:8000', [{ target: 8000, published: 8000, protocol: 'tcp' }]],
    ['a range', '9090-9091:8080-8081', [{ target: 8080, published: 9090, protocol: 'tcp' }, { target: 8081, published: 9091, protocol: 'tcp' }]],
    ['host ip', '127.0.0.1:8001:8001', [{ target: 8001, published: 8001, hostIP: '127.0.0.1', protocol: 'tcp' }]],
    ['ipv6 host ip', '[::1]:6001:6001', [{ target: 6001, published: 6001, hostIP: '::1', protocol: 'tcp' }]],
    ['udp', '6060:6060/udp', [{ target: 6060, published: 6060, protocol: 'udp' }]],
    ['long syntax', { target: 80, published: '8080', protocol: 'tcp', mode: 'host', name: 'web' }, [{ target: 80, published: 8080, protocol: 'tcp', mode: 'host', name: 'web' }]],
  ];
  it.each(cases)('%s', (_, spec, want) => {
    expect(parsePortSpec(spec)).toEqual({ ports: want });
  });

  it.each(['80:abc', '0:80', '70000', '1:2:3:4', '80/xyz', '8000-8002:80-81'])('refuses %s', (spec) => {
    expect(parsePortSpec(spec)).toHaveProperty('error');
  });

  it('published ports inside the node-port range are NodePorts; outside it in-cluster only, with a warning', () => {
    const { find, warnings } = conv(svc('ports:\n  - "30080:80"\n  - "8443:443"\n  - target: 9000\n    published: 30900\n'));
    const s = find('Service', 'web')!;
    expect(s.spec.type).toBe('NodePort');
    expect(s.spec.ports).toEqual([
      { name: '80-tcp', port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 },
      { name: '443-tcp', port: 443, targetPort: 443, protocol: 'TCP' },
      { name: '9000-tcp', port: 9000, targetPort: 9000, protocol: 'TCP', nodePort: 30900 },
    ]);
    expect(warnings.join('\n')).toMatch(/services\.web\.ports\[1\] \(line 6\): published port 8443 is outside the node-port range 30000-32767/);
  });

  it('the node-port range is the cluster\'s: --node-port-range moves it', () => {
    const { find } = conv(svc('ports: ["31000:80"]'), { nodePortRange: [31000, 31099] });
    expect(find('Service', 'web')!.spec.ports[0].nodePort).toBe(31000);
  });

  it('expose makes a ClusterIP Service named as the service; a container port only in ports lets the server pick a NodePort', () => {
    const exposed = conv(svc('expose: ["6379"]'));
    expect(exposed.find('Service', 'web')!.spec).toEqual({ selector: { 'compose.project': 'proj', 'compose.service': 'web' }, ports: [{ port: 6379, targetPort: 6379, protocol: 'TCP' }] });
    const ephemeral = conv(svc('ports: ["3000"]'));
    expect(ephemeral.find('Service', 'web')!.spec.type).toBe('NodePort');
    expect(ephemeral.find('Service', 'web')!.spec.ports[0].nodePort).toBeUndefined();
    // No ports: still reachable by name, as on a Compose network — a headless Service.
    expect(conv(svc('')).find('Service', 'web')!.spec).toEqual({ clusterIP: 'None', selector: { 'compose.project': 'proj', 'compose.service': 'web' } });
  });
});

describe('environment and env_file', () => {
  it('list form, map form, a bare name from the shell, env_file first and environment over it', () => {
    const list = conv(svc('env_file: web.env\nenvironment:\n  - B=from-env\n  - RACK_ENV=development\n  - SHOW=true\n  - USER_SHELL\n  - UNSET'), {}, { USER_SHELL: 'zsh' });
    expect(list.container('web')!.env).toEqual([
      { name: 'A', value: 'from-file' },
      { name: 'B', value: 'from-env' },
      { name: 'RACK_ENV', value: 'development' },
      { name: 'SHOW', value: 'true' },
      { name: 'USER_SHELL', value: 'zsh' },
    ]);
    const map = conv(svc('environment:\n  RACK_ENV: development\n  SHOW: "true"\n  PORT: 8080\n  EMPTY: ""\n  FROM_SHELL:'), {}, { FROM_SHELL: 'x' });
    expect(map.container('web')!.env).toEqual([
      { name: 'RACK_ENV', value: 'development' },
      { name: 'SHOW', value: 'true' },
      { name: 'PORT', value: '8080' },
      { name: 'EMPTY', value: '' },
      { name: 'FROM_SHELL', value: 'x' },
    ]);
  });

  it('interpolates ${VAR:-default} from the shell and .env; $$ is a literal $ (kept literal for Kubernetes too)', () => {
    const { container, warnings } = conv('services:\n  web:\n    image: "nginx:${TAG}"\n    environment:\n      A: ${FROM_DOTENV}\n      B: ${MISSING:-fallback}\n      C: $$HOME\n      D: ${NOPE}\n');
    expect(container('web')!.image).toBe('nginx:1.25');
    expect(container('web')!.env).toEqual([
      { name: 'A', value: 'quoted value' },
      { name: 'B', value: 'fallback' },
      { name: 'C', value: '$$HOME' }, // the kubelet turns $$ into $
      { name: 'D', value: '' },
    ]);
    expect(warnings).toContain('the "NOPE" variable is not set: using a blank string');
  });

  it('interpolation forms', () => {
    expect(interpolate('${A:?need A}', {}).errors).toEqual(['required variable A is missing a value: need A']);
    expect(interpolate('${A-x}/${A:-y}/${B:+set}', { A: '', B: '1' }).value).toBe('/y/set');
    expect(interpolate('$A-${B}', { A: 'a', B: 'b' }).value).toBe('a-b');
  });
});

describe('command, entrypoint, working_dir, user', () => {
  it('command → args, entrypoint → command; the string form split like a shell', () => {
    const { container } = conv(svc('entrypoint: /code/entrypoint.sh -v\ncommand: bundle exec thin -p "3 000" \'$$x\'\nworking_dir: /code\nuser: "1000:1000"'));
    expect(container('web')).toMatchObject({
      command: ['/code/entrypoint.sh', '-v'],
      args: ['bundle', 'exec', 'thin', '-p', '3 000', '$$x'],
      workingDir: '/code',
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
    });
    expect(shellSplit('a "b c" d\\ e \'f g\'')).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(shellSplit('echo "open')).toBeUndefined();
  });
});

describe('volumes (short and long syntax)', () => {
  const file = `services:
  db:
    image: postgres
    volumes:
      - db-data:/var/lib/postgresql/data
      - ./init:/docker-entrypoint-initdb.d:ro
      - /var/lib/cache
      - type: bind
        source: /srv/static
        target: /static
        read_only: true
        bind:
          create_host_path: true
      - type: tmpfs
        target: /run
        tmpfs:
          size: 64m
volumes:
  db-data:
`;
  it('named → PersistentVolumeClaim PROJECT-VOLUME (default class); bind → hostPath; anonymous and tmpfs → emptyDir', () => {
    const { find } = conv(file);
    const pvc = find('PersistentVolumeClaim', 'proj-db-data')!;
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(pvc.metadata.labels).toMatchObject({ 'compose.project': 'proj', 'app.kubernetes.io/managed-by': 'kctl-compose' });
    const d = find('Deployment', 'db')!;
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const spec = d.spec.template.spec;
    expect(spec.volumes).toEqual([
      { name: 'vol-db-data', persistentVolumeClaim: { claimName: 'proj-db-data' } },
      { name: 'bind-1', hostPath: { path: '/proj/init' } },
      { name: 'anon-2', emptyDir: {} },
      { name: 'bind-3', hostPath: { path: '/srv/static', type: 'DirectoryOrCreate' } },
      { name: 'tmpfs-4', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'vol-db-data', mountPath: '/var/lib/postgresql/data' },
      { name: 'bind-1', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
      { name: 'anon-2', mountPath: '/var/lib/cache' },
      { name: 'bind-3', mountPath: '/static', readOnly: true },
      { name: 'tmpfs-4', mountPath: '/run' },
    ]);
  });

  it('an undefined named volume is an error with its line', () => {
    expect(problems('services:\n  db:\n    image: pg\n    volumes:\n      - data:/data\n')).toEqual(['services.db.volumes[0] (line 5): service "db" refers to undefined volume "data"']);
  });
});

describe('healthcheck', () => {
  it('→ readiness and liveness exec probes; durations like 1m30s; start_period delays liveness only', () => {
    const { container } = conv(svc('healthcheck:\n  test: ["CMD", "curl", "-f", "http://localhost"]\n  interval: 1m30s\n  timeout: 10s\n  retries: 3\n  start_period: 40s'));
    const probe = { exec: { command: ['curl', '-f', 'http://localhost'] }, periodSeconds: 90, timeoutSeconds: 10, failureThreshold: 3 };
    expect(container('web')!.readinessProbe).toEqual(probe);
    expect(container('web')!.livenessProbe).toEqual({ ...probe, initialDelaySeconds: 40 });
  });

  it('CMD-SHELL and a string test run through sh; NONE and disable mean no probe; defaults are 30s/30s/3', () => {
    expect(conv(svc('healthcheck:\n  test: ["CMD-SHELL", "curl -f http://localhost || exit 1"]')).container('web')!.readinessProbe)
      .toEqual({ exec: { command: ['sh', '-c', 'curl -f http://localhost || exit 1'] }, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 });
    expect(conv(svc('healthcheck:\n  test: curl -f http://localhost')).container('web')!.livenessProbe.exec.command).toEqual(['sh', '-c', 'curl -f http://localhost']);
    expect(conv(svc('healthcheck:\n  test: ["NONE"]')).container('web')!.readinessProbe).toBeUndefined();
    expect(conv(svc('healthcheck:\n  test: ["CMD", "true"]\n  disable: true')).container('web')!.livenessProbe).toBeUndefined();
  });

  it('durations', () => {
    expect(parseComposeDuration('1m30s')).toBe(90_000);
    expect(parseComposeDuration('1h5m30s20ms')).toBe(3_930_020);
    expect(parseComposeDuration('10us')).toBe(0.01);
    expect(parseComposeDuration('2.5s')).toBe(2500);
    expect(parseComposeDuration('1x')).toBeUndefined();
    expect(problems(svc('healthcheck:\n  test: ["CMD", "true"]\n  interval: 1x'))).toEqual(['services.web.healthcheck.interval (line 6): invalid duration "1x" (e.g. 30s, 1m30s, 500ms)']);
  });
});

describe('depends_on', () => {
  const file = (deps: string) => `services:
  db:
    image: postgres
    expose: ["5432"]
  cache:
    image: redis
  web:
    image: app
${deps}
`;
  it('short form: an init container per dependency with a Service, waiting on its name and first TCP port', () => {
    const { find, warnings } = conv(file('    depends_on: [db, cache]'), { waitImage: 'busybox:1.36' });
    expect(find('Deployment', 'web')!.spec.template.spec.initContainers).toEqual([
      { name: 'wait-for-db', image: 'busybox:1.36', command: ['sh', '-c', expect.stringContaining('until nc -w 2 db 5432 </dev/null')] },
    ]);
    expect(warnings.join('\n')).toContain('services.web.depends_on (line 9): "cache" has no TCP ports or expose, so no port to wait on: start order is not enforced');
  });

  it('long form: service_healthy waits the same way (the Service only forwards to ready pods); completed_successfully is a warning', () => {
    const { find, warnings } = conv(file('    depends_on:\n      db:\n        condition: service_healthy\n      cache:\n        condition: service_completed_successfully'));
    expect(find('Deployment', 'web')!.spec.template.spec.initContainers.map((c: Obj) => c.name)).toEqual(['wait-for-db']);
    expect(warnings.join('\n')).toContain('condition service_completed_successfully on "cache" is not waited for');
  });

  it('an undefined dependency is an error with its line', () => {
    expect(problems(file('    depends_on: [nope]'))).toEqual(['services.web.depends_on[0] (line 9): service "web" depends on undefined service "nope"']);
  });
});

describe('restart, deploy, resources', () => {
  it('restart "no" and on-failure make a Pod, as kompose does; always / unless-stopped / unset a Deployment', () => {
    expect(conv(svc('restart: "no"')).find('Pod', 'web')!.spec.restartPolicy).toBe('Never');
    expect(conv(svc('restart: on-failure:3')).find('Pod', 'web')!.spec.restartPolicy).toBe('OnFailure');
    expect(conv(svc('deploy:\n  restart_policy:\n    condition: on-failure')).find('Pod', 'web')!.spec.restartPolicy).toBe('OnFailure');
    for (const r of ['restart: always', 'restart: unless-stopped', '']) expect(conv(svc(r)).find('Deployment', 'web')).toBeDefined();
    expect(problems(svc('restart: sometimes'))[0]).toMatch(/^services\.web\.restart \(line 4\): /);
  });

  it('deploy.replicas (or scale) and resources: limits and reservations (docker\'s binary units)', () => {
    const { find, container } = conv(svc('deploy:\n  replicas: 3\n  resources:\n    limits: {cpus: "0.50", memory: 50M}\n    reservations: {cpus: "0.25", memory: 20m}'));
    expect(find('Deployment', 'web')!.spec.replicas).toBe(3);
    expect(container('web')!.resources).toEqual({ limits: { cpu: '500m', memory: '50Mi' }, requests: { cpu: '250m', memory: '20Mi' } });
    expect(conv(svc('scale: 2')).find('Deployment', 'web')!.spec.replicas).toBe(2);
    expect(byteQuantity('1gb')).toBe('1Gi');
    expect(byteQuantity('1.5k')).toBe('1536');
  });
});

describe('configs and secrets', () => {
  it('→ ConfigMap / Secret PROJECT-NAME mounted with subPath at /<name> and /run/secrets/<name> (or target)', () => {
    const { find } = conv(`services:
  web:
    image: nginx
    configs:
      - source: nginx
        target: /etc/nginx/nginx.conf
        mode: 0440
      - banner
    secrets: [pw]
configs:
  nginx:
    file: ./nginx.conf
  banner:
    content: hi
secrets:
  pw:
    file: pw.txt
`);
    expect(find('ConfigMap', 'proj-nginx')!.data).toEqual({ nginx: 'server {}\n' });
    expect(find('ConfigMap', 'proj-banner')!.data).toEqual({ banner: 'hi' });
    expect(find('Secret', 'proj-pw')!.data).toEqual({ pw: Buffer.from('hunter2').toString('base64') });
    const spec = find('Deployment', 'web')!.spec.template.spec;
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'config-nginx', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx', readOnly: true },
      { name: 'config-banner', mountPath: '/banner', subPath: 'banner', readOnly: true },
      { name: 'secret-pw', mountPath: '/run/secrets/pw', subPath: 'pw', readOnly: true },
    ]);
    expect(spec.volumes[0]).toEqual({ name: 'config-nginx', configMap: { name: 'proj-nginx', items: [{ key: 'nginx', path: 'nginx', mode: 0o440 }] } });
  });

  it('a config file that cannot be read is an error with its line', () => {
    expect(problems('services:\n  web:\n    image: nginx\n    configs: [c]\nconfigs:\n  c:\n    file: ./missing.conf\n')).toEqual(['configs.c.file (line 7): cannot read ./missing.conf: ENOENT']);
  });
});

describe('labels, names and warnings', () => {
  it('every object carries the managed-by and project labels; down selects exactly those', () => {
    const { objects } = conv(readFileSync(path.join(import.meta.dirname, '../../manifests/compose/docker-compose.yml'), 'utf8'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/redis', 'Service/web', 'Deployment/redis', 'Deployment/web']);
    for (const o of objects) expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kctl-compose', 'compose.project': 'counter' });
    expect(projectSelector('counter')).toBe('app.kubernetes.io/managed-by=kctl-compose,compose.project=counter');
  });

  it('the example converts with no warning', () => {
    const r = conv(readFileSync(path.join(import.meta.dirname, '../../manifests/compose/docker-compose.yml'), 'utf8'));
    expect(r.warnings).toEqual([]);
  });

  it('keys carried over only in part are warnings naming key and line, never dropped silently', () => {
    const { warnings } = conv('services:\n  web:\n    image: app\n    build: .\n    networks: [front]\n    logging: {driver: syslog}\nnetworks:\n  front: {}\n');
    expect(warnings).toEqual([
      'networks.front (line 8): networks are ignored: one flat cluster network, every pod reaches every Service by name',
      expect.stringMatching(/^services\.web\.build \(line 4\): build is ignored/),
      expect.stringMatching(/^services\.web\.networks \(line 5\): networks is ignored/),
      expect.stringMatching(/^services\.web\.logging \(line 6\): logging is ignored/),
    ]);
  });

  it('a service name that is no Kubernetes name is renamed, with a warning', () => {
    expect(k8sName('my_service')).toBe('my-service');
    const { find, warnings } = conv('services:\n  my_db:\n    image: pg\n    expose: [5432]\n');
    expect(find('Service', 'my-db')).toBeDefined();
    expect(warnings[0]).toContain('services.my_db (line 2): service "my_db" is named "my-db"');
  });

  it('x- extension keys with anchors and merge keys (<<) are honoured, and lines still point into the file', () => {
    const file = 'x-common: &common\n  image: busybox\n  environment: {A: "1"}\nservices:\n  one:\n    <<: *common\n  two:\n    <<: *common\n    ports: ["80:bad"]\n';
    expect(problems(file)).toEqual(['services.two.ports[0] (line 9): invalid port mapping "80:bad": container port "bad" must be a port number or range 1-65535']);
    const { container } = conv(file.replace('80:bad', '30080:80'));
    expect(container('one')).toMatchObject({ image: 'busybox', env: [{ name: 'A', value: '1' }] });
    expect(container('two')).toMatchObject({ image: 'busybox', env: [{ name: 'A', value: '1' }] });
  });

  it('services of an inactive profile are left out', () => {
    const file = 'services:\n  web:\n    image: app\n  debug:\n    image: busybox\n    profiles: [debug]\n';
    expect(conv(file).find('Deployment', 'debug')).toBeUndefined();
    expect(conv(file, { profiles: ['debug'] }).find('Deployment', 'debug')).toBeDefined();
  });
});

describe('the voting app (docker/example-voting-app, Compose spec shape)', () => {
  const VOTING = `services:
  vote:
    build:
      context: ./vote
      target: dev
    depends_on:
      redis:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 15s
      timeout: 5s
      retries: 3
      start_period: 10s
    ports:
      - "8080:80"
    networks: [front-tier, back-tier]
  result:
    build: ./result
    entrypoint: nodemon --inspect=0.0.0.0 server.js
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "30081:80"
      - "127.0.0.1:9229:9229"
    networks: [front-tier, back-tier]
  worker:
    build:
      context: ./worker
    depends_on:
      redis:
        condition: service_healthy
      db:
        condition: service_healthy
    networks: [back-tier]
  redis:
    image: redis:alpine
    expose: ["6379"]
    healthcheck:
      test: redis-cli ping
      interval: "5s"
    networks: [back-tier]
  db:
    image: postgres:15-alpine
    environment:
      POSTGRES_USER: "postgres"
      POSTGRES_PASSWORD: "postgres"
    volumes:
      - "db-data:/var/lib/postgresql/data"
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: "5s"
    networks: [back-tier]
  seed:
    build: ./seed-data
    profiles: ["seed"]
    depends_on:
      vote:
        condition: service_healthy
    restart: "no"
volumes:
  db-data:
networks:
  front-tier:
  back-tier:
`;
  it('five Deployments, a Service for each (db and worker headless), a claim; depends_on waits; everything else a warning', () => {
    const { objects, find, warnings } = conv(VOTING);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolumeClaim/proj-db-data',
      'Service/vote', 'Service/result', 'Service/worker', 'Service/redis', 'Service/db',
      'Deployment/vote', 'Deployment/result', 'Deployment/worker', 'Deployment/redis', 'Deployment/db',
    ]);
    expect(find('Deployment', 'vote')!.spec.template.spec.containers[0].image).toBe('proj-vote');
    expect(find('Deployment', 'result')!.spec.template.spec.containers[0].command).toEqual(['nodemon', '--inspect=0.0.0.0', 'server.js']);
    expect(find('Deployment', 'worker')!.spec.template.spec.initContainers.map((c: Obj) => c.name)).toEqual(['wait-for-redis']);
    expect(find('Service', 'result')!.spec.ports.map((p: Obj) => [p.port, p.nodePort])).toEqual([[80, 30081], [9229, undefined]]);
    expect(find('Service', 'db')!.spec.clusterIP).toBe('None');
    const w = warnings.join('\n');
    expect(w).toContain('services.vote.build (line 3): build is not supported: build the image yourself and tag it "proj-vote"');
    expect(w).toContain('services.vote.ports[0] (line 16): published port 8080 is outside the node-port range');
    expect(w).toContain('services.result.ports[1] (line 26): host_ip 127.0.0.1 is ignored');
    expect(w).toContain('services.worker.depends_on (line 31): "db" has no TCP ports or expose');
    expect(w).toContain('services.seed.profiles (line 57): service "seed" is in profile seed: left out');
    expect(w).toContain('networks.back-tier (line 66): networks are ignored');
  });
});

describe('bad input: the key and the line, nothing converted', () => {
  it('an unknown top-level key', () => {
    expect(problems('services:\n  web:\n    image: nginx\nservice:\n  db: {}\n')).toEqual(['service (line 4): unknown top-level key "service"']);
  });

  it('an invalid port mapping', () => {
    expect(problems(svc('ports:\n  - "8080:80"\n  - "80:abc"'))).toEqual(['services.web.ports[1] (line 6): invalid port mapping "80:abc": container port "abc" must be a port number or range 1-65535']);
  });

  it('a service with neither image nor build', () => {
    expect(problems('services:\n  web:\n    image: nginx\n  db:\n    environment: [A=1]\n')).toEqual(['services.db (line 4): service "db" has neither an image nor a build context']);
  });

  it('an unknown service key, a wrong type, and a YAML syntax error', () => {
    expect(problems(svc('port: ["80"]'))).toEqual(['services.web.port (line 4): unknown key "port"']);
    expect(problems(svc('deploy:\n  replicas: many'))[0]).toMatch(/^services\.web\.deploy\.replicas \(line 5\): /);
    expect(problems('services:\n  web:\n    image: nginx\n   bad: [\n')).toEqual(['yaml: line 4: bad indentation of a mapping entry']);
  });

  it('the message names the file and says nothing was applied', () => {
    expect(() => load('services: {}\n')).toThrow('/proj/docker-compose.yml is invalid, nothing was applied:\n  services (line 1): no services defined');
  });
});
