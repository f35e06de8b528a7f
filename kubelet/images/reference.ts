// Image references as Docker normalises them: the pure grammar lives in api/ (the API server
// refuses a container image no kubelet could pull with the same rules).
export { DOCKER_HUB, DOCKER_HUB_API, InvalidReferenceError, parseReference, type ImageReference } from '../../api/image-reference.js';
