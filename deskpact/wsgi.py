import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskpact.settings")
application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's scans, and scan less often, so requests are not paused for it.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)
