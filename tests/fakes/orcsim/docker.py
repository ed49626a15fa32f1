"""The Docker host the orchestrator drives: containers, local images, a registry."""
import hashlib

PREFIX = "peon.warcamp."


class NoSuchContainer(Exception):
    pass


class Container:
    def __init__(self, name, image, image_version, container_type, ports, seq):
        self.name = name
        self.image = image
        self.image_version = image_version      # VERSION env inside the container
        self.container_type = container_type    # CONTAINER_TYPE env inside the container
        self.ports = list(ports)                # [(port str, proto)] published when running
        self.state = "created"
        self.seq = seq                          # creation order: docker lists newest first
        self.started_at = None
        self.probe_ok = True                    # False: `docker exec` fails
        self.stats_ok = True                    # False: stats call fails -> "Not available"
        self.id = hashlib.sha256(f"{name}:{seq}".encode()).hexdigest()

    def port_keys(self):
        """NetworkSettings.Ports keys: only populated while the container runs."""
        if self.state != "running":
            return []
        return [f"{port}/{proto}" for port, proto in self.ports]

    def describe(self):
        return {"name": self.name, "state": self.state, "image": self.image,
                "image_version": self.image_version, "container_type": self.container_type,
                "ports": [f"{p}/{proto}" for p, proto in self.ports], "seq": self.seq,
                "started_at": self.started_at, "probe_ok": self.probe_ok,
                "stats_ok": self.stats_ok}


class DockerHost:
    def __init__(self, registry):
        self.containers = {}
        self.local_images = {}          # image -> version pulled on this host
        self.registry = dict(registry)  # image -> newest version upstream
        self.registry_ok = True
        self._seq = 0
        self.pulls = 0

    def get(self, name):
        try:
            return self.containers[name]
        except KeyError:
            raise NoSuchContainer(f'404 Client Error: Not Found ("No such container: {name}")')

    def find(self, name):
        return self.containers.get(name)

    def listing(self):
        """All containers, newest first (the order `docker ps -a` uses)."""
        return sorted(self.containers.values(), key=lambda c: -c.seq)

    def pull(self, image):
        if not self.registry_ok or image not in self.registry:
            return False
        self.local_images[image] = self.registry[image]
        self.pulls += 1
        return True

    def create(self, name, image, container_type, ports):
        if image not in self.local_images and not self.pull(image):
            return None
        self._seq += 1
        container = Container(name, image, self.local_images[image], container_type, ports,
                              self._seq)
        self.containers[name] = container
        return container

    def remove(self, name):
        self.containers.pop(name, None)

    def bind_conflict(self, ports, own_name):
        """A running container (other than own) already publishing one of these host ports."""
        wanted = set()
        for port, proto in ports:
            wanted.add((str(port), proto))
        for other in self.listing():
            if other.name == own_name or other.state != "running":
                continue
            for port, proto in other.ports:
                if (str(port), proto) in wanted:
                    return port
        return None

    def describe(self):
        return {"containers": [c.describe() for c in self.listing()],
                "local_images": dict(self.local_images), "registry": dict(self.registry),
                "registry_ok": self.registry_ok, "pulls": self.pulls}
